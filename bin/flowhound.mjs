#!/usr/bin/env node
// The flowhound command. The compiled CLI lives in dist/ (built by `npm install`).
import { main } from '../dist/src/cli.js';

process.exitCode = await main(process.argv.slice(2));
