# node-gyp entry point: `npm install` runs `node-gyp rebuild`, which runs the napi-rs build of
# the Rust addon (native/). No C++ is compiled here; the target only runs that action.
{
  "targets": [
    {
      "target_name": "flowhound_native",
      "type": "none",
      "actions": [
        {
          "action_name": "napi_build_release",
          "inputs": ["native/node/Cargo.toml", "native/core/Cargo.toml"],
          "outputs": ["native/.always-rebuild-stamp"],
          "action": ["node", "native/build-addon.mjs"]
        }
      ]
    }
  ]
}
