// `flowhound help models` (and `flowhound models --help`): its options and examples.

export const MODELS_HELP = `Usage: flowhound models [--model FILE.onnx…] [--schema]

Shows the models analyze scores with (the shipped ones, or yours with --model, checked against
the feature schema as analyze would), their thresholds and cards. --schema prints the feature
schema of this build as JSON: what a model must take as input, in order.

  --json                     the models as JSON (kind, path, shipped, schema version, inputs,
                             threshold, sha256, role, card)
  -y, -v, -q                 accepted, as by every command; models writes no file and has
                             nothing more to tell

Examples:
  flowhound models
  flowhound models --model my-host-model.onnx
  flowhound models --schema > feature-schema.json
`;
