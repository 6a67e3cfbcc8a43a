// Runs a TF graph exported by taskbuilder, as a tfjs graph model, on tfjs' pure-JS CPU backend: an executor that
// shares no code with ours. Usage: node run_graph.js DIR, where DIR holds model.json (GraphDef in protobuf JSON +
// weights manifest), the weight files it names, and request.json:
//   {"inputs": {"x": {"dtype": "float32", "shape": [2, 3], "values": [...]}}, "outputs": ["node", "node:1"]}
// Prints {"outputs": [{"dtype", "shape", "values"}]} on stdout; errors go to stderr with exit code 1.
// Gradient ops tfjs does not map are registered from tfjs primitives (formulas of tf-ops.md §7).
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tfc = require('@tensorflow/tfjs-converter');

function fileHandler(dir) {
  return {
    load: async () => {
      const mj = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const specs = [];
      const bufs = [];
      for (const group of mj.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) bufs.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(bufs);
      return {
        modelTopology: mj.modelTopology, format: mj.format, generatedBy: mj.generatedBy, convertedBy: mj.convertedBy,
        weightSpecs: specs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

function registerGradientOps() {
  const attr = (node, name, fallback) => (node.attrs[name] === undefined ? fallback : node.attrs[name]);
  tfc.registerOp('ReluGrad', (node) => {
    const [g, f] = node.inputs;
    return tf.mul(g, tf.cast(tf.greater(f, 0), g.dtype));
  });
  tfc.registerOp('Relu6Grad', (node) => {
    const [g, f] = node.inputs;
    return tf.mul(g, tf.cast(tf.logicalAnd(tf.greater(f, 0), tf.less(f, 6)), g.dtype));
  });
  tfc.registerOp('SigmoidGrad', (node) => {
    const [y, dy] = node.inputs;
    return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
  });
  tfc.registerOp('TanhGrad', (node) => {
    const [y, dy] = node.inputs;
    return tf.mul(dy, tf.sub(1, tf.mul(y, y)));
  });
  tfc.registerOp('BiasAddGrad', (node) => {
    const [g] = node.inputs;
    const axes = [];
    for (let i = 0; i < g.rank - 1; ++i) axes.push(i);
    return tf.sum(g, axes);
  });
  tfc.registerOp('L2Loss', (node) => tf.div(tf.sum(tf.square(node.inputs[0])), 2));
  tfc.registerOp('SparseSoftmaxCrossEntropyWithLogits', (node) => {
    const [logits, labels] = node.inputs;
    const classes = logits.shape[logits.rank - 1];
    const onehot = tf.oneHot(tf.cast(labels, 'int32'), classes);
    const logp = tf.logSoftmax(logits);
    return [tf.neg(tf.sum(tf.mul(onehot, logp), -1)), tf.sub(tf.exp(logp), onehot)];
  });
  tfc.registerOp('DivNoNan', (node) => {
    const [x, y] = node.inputs;
    return tf.where(tf.equal(y, 0), tf.zerosLike(tf.mul(x, y)), tf.div(x, y));
  });
  void attr;
}

(async () => {
  const dir = process.argv[2];
  await tf.setBackend('cpu');
  await tf.ready();
  registerGradientOps();
  const model = await tfc.loadGraphModel(fileHandler(dir));
  const request = JSON.parse(fs.readFileSync(path.join(dir, 'request.json'), 'utf8'));
  const feeds = {};
  for (const [name, t] of Object.entries(request.inputs)) feeds[name] = tf.tensor(t.values, t.shape, t.dtype);
  let outs = model.execute(feeds, request.outputs);
  if (!Array.isArray(outs)) outs = [outs];
  const result = [];
  for (const o of outs) result.push({ dtype: o.dtype, shape: o.shape, values: Array.from(await o.data()) });
  process.stdout.write(JSON.stringify({ outputs: result }));
})().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
