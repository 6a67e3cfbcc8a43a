// Runs TFLite programs in the real TFLite runtime (tfjs-tflite's WebAssembly build) for taskbuilder's tests.
// Usage: node run_tflite.js job.json  — job: {"model": "m.tflite", "inputs": [{"dtype", "shape", "data"}]}.
// Prints {"outputs": [{"dtype", "shape", "data"}]} or {"error": "..."}; exit code 0 either way, 2 on bad usage.
// The loader is browser/worker-only; six shims make it run in plain Node (non-threaded wasm, file:// fetch).
const fs = require('fs'), path = require('path'), vm = require('vm');
delete globalThis.SharedArrayBuffer;
globalThis.self = globalThis;
if (typeof navigator === 'undefined') globalThis.navigator = { hardwareConcurrency: 1, userAgent: 'node' };
self.location = { origin: 'file://', href: 'file://' + __dirname + '/index.html' };
globalThis.importScripts = (url) => {
  const p = url.replace(/^file:\/\//, '');
  vm.runInThisContext(fs.readFileSync(p, 'utf8'), { filename: p });
};
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, opts) => {
  const u = String(url);
  if (u.startsWith('file://')) {
    return new Response(fs.readFileSync(u.slice(7)),
                        { headers: { 'Content-Type': u.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream' } });
  }
  return realFetch(url, opts);
};
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tflite = require('@tensorflow/tfjs-tflite');

function toTensor(spec) {
  return tf.tensor(spec.data, spec.shape, spec.dtype);
}

async function fromTensor(t) {
  return { dtype: t.dtype, shape: t.shape, data: Array.from(await t.data()) };
}

(async () => {
  if (process.argv.length !== 3) {
    console.error('usage: node run_tflite.js job.json');
    process.exit(2);
  }
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  try {
    await tf.setBackend('cpu');
    tflite.setWasmPath(path.join(__dirname, 'node_modules/@tensorflow/tfjs-tflite/wasm') + '/');
    const buf = fs.readFileSync(job.model);
    const model = await tflite.loadTFLiteModel(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
                                               { numThreads: 1 });
    const inputs = job.inputs.map(toTensor);
    let out = model.predict(inputs.length === 1 ? inputs[0] : inputs);
    if (out instanceof tf.Tensor) out = [out];
    else if (!Array.isArray(out)) out = model.outputs.map((o) => out[o.name]);
    const outputs = [];
    for (const t of out) outputs.push(await fromTensor(t));
    console.log(JSON.stringify({ outputs }));
  } catch (e) {
    console.log(JSON.stringify({ error: String((e && e.message) || e).split('\n')[0].slice(0, 500) }));
  }
})();
