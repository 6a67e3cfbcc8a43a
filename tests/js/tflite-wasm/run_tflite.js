// Runs TFLite programs in the real TFLite runtime (tfjs-tflite's WebAssembly build) for taskbuilder's tests.
// Usage: node run_tflite.js job.json  — job: {"model": "m.tflite", "inputs": [{"dtype", "shape", "data"}]}.
// Prints {"outputs": [{"dtype", "shape", "data"}]} or {"error": "..."}; exit code 0 either way, 2 on bad usage.
// The loader is browser/worker-only; six shims make it run in plain Node (non-threaded wasm, file:// fetch).
// Two gaps of tfjs-tflite's model wrapper are closed here: it cannot resize inputs (it rejects a batch that differs
// from the declared `shape`, even where shape_signature says -1), so the declared shapes of the main subgraph's
// inputs are set to the job's before loading, exactly what ResizeInputTensor does; and predict() reads the output
// infos before invoking, so dynamic outputs (e.g. WHERE) come back with stale shapes and data — outputs are read
// from the runner after the run instead.
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

// Minimal flatbuffer access (little-endian; tflite-lowering.md §1.2 field ids).
function fieldPos(dv, table, id) {
  const vtable = table - dv.getInt32(table, true);
  const vtsize = dv.getUint16(vtable, true);
  const slot = 4 + 2 * id;
  if (slot >= vtsize) return 0;
  const off = dv.getUint16(vtable + slot, true);
  return off === 0 ? 0 : table + off;
}
function deref(dv, pos) { return pos + dv.getUint32(pos, true); }
function vector(dv, table, id) {  // [start of elements, length] or null
  const p = fieldPos(dv, table, id);
  if (p === 0) return null;
  const v = deref(dv, p);
  return [v + 4, dv.getUint32(v, true)];
}

// Declares each main-subgraph input with the shape of the job's input (same rank; only dims the model leaves
// open, i.e. -1 in shape_signature, may change).
function resizeInputs(bytes, specs) {
  const dv = new DataView(bytes);
  const model = deref(dv, 0);
  const subgraphs = vector(dv, model, 2);
  if (subgraphs === null || subgraphs[1] === 0) return;
  const sg = deref(dv, subgraphs[0]);
  const tensors = vector(dv, sg, 0), inputs = vector(dv, sg, 1);
  if (tensors === null || inputs === null) return;
  for (let i = 0; i < inputs[1] && i < specs.length; ++i) {
    const index = dv.getInt32(inputs[0] + 4 * i, true);
    if (index < 0 || index >= tensors[1]) continue;
    const tensor = deref(dv, tensors[0] + 4 * index);
    const shape = vector(dv, tensor, 0), signature = vector(dv, tensor, 7);
    const want = specs[i].shape;
    if (shape === null || shape[1] !== want.length) continue;
    for (let d = 0; d < want.length; ++d) {
      const open = signature !== null && signature[1] === want.length && dv.getInt32(signature[0] + 4 * d, true) === -1;
      if (open) dv.setInt32(shape[0] + 4 * d, want[d], true);
    }
  }
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
    const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    resizeInputs(bytes, job.inputs);
    const model = await tflite.loadTFLiteModel(bytes, { numThreads: 1 });
    // The runner is driven directly: predict() also builds output tensors from stale infos and fails on scalars.
    const runner = model.modelRunner;
    const modelInputs = runner.getInputs();
    if (modelInputs.length !== job.inputs.length) {
      throw new Error(`the model has ${modelInputs.length} inputs, the job ${job.inputs.length}`);
    }
    for (let i = 0; i < modelInputs.length; ++i) {
      const target = modelInputs[i].data();
      const values = job.inputs[i].data;
      if (target.length !== values.length) {
        throw new Error(`input ${i} (${modelInputs[i].name}) holds ${target.length} values, the job gives ${values.length}`);
      }
      target.set(target instanceof BigInt64Array ? values.map(BigInt) : values);
    }
    if (!runner.infer()) throw new Error('Failed running inference');
    const outputs = [];
    for (const o of runner.getOutputs()) {
      const shape = String(o.shape).split(',').filter((d) => d.trim() !== '').map(Number);
      outputs.push({ dtype: o.dataType, shape, data: Array.from(o.data(), Number) });
    }
    console.log(JSON.stringify({ outputs }));
  } catch (e) {
    console.log(JSON.stringify({ error: String((e && e.message) || e).split('\n')[0].slice(0, 500) }));
  }
})();
