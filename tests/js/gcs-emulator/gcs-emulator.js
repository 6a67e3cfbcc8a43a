// A Cloud Storage JSON API server on loopback for taskbuilder's tests and benchmarks: firebase-tools' storage
// emulator (started without its Java rules runtime; the /storage/v1, /upload/storage/v1 and /download/storage/v1
// endpoints use the admin layer, which ignores rules) behind a small front that adds what the emulator lacks:
//   - chunked resumable uploads (Content-Range "bytes a-b/*", 308 + Range answers, "bytes */N" status queries):
//     the front collects the chunks and hands the emulator the whole object in one PUT;
//   - fault injection for tests, driven over HTTP at /_emulator/faults (JSON):
//       {"fail_uploads": [3, 5]}       answer 503 to the 3rd and 5th object upload (counted from 1)
//       {"fail_uploads_from": 4}       answer 503 to every upload from the 4th on
//       {"fail_status": 500}           the status used for injected failures (default 503)
//       {"fail_chunks": [2]}           answer 503 to the 2nd resumable chunk PUT, dropping its bytes
//       {"fail_chunks_after_store": [3]} keep the 3rd chunk's bytes but answer 503 (a lost answer)
//       {"delay_ms": 200}              delay every request to the storage API
//     GET returns the rules and counters {"uploads": n, "requests": n, "injected": n}; DELETE clears everything.
//     An "upload" is one media/multipart POST or one resumable-session start.
// Usage: node gcs-emulator.js PORT   (prints "gcs emulator listening on http://127.0.0.1:PORT" when ready)
'use strict';
const http = require('http');
const net = require('net');
const { StorageEmulator } = require('firebase-tools/lib/emulator/storage');
const { EmulatorRegistry } = require('firebase-tools/lib/emulator/registry');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

// One HTTP call to the inner emulator; resolves {status, headers, body}.
function inner(port, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const h = Object.assign({}, headers, { host: `127.0.0.1:${port}` });
    delete h['content-length'];
    delete h['transfer-encoding'];
    if (body) h['content-length'] = String(body.length);
    const r = http.request({ host: '127.0.0.1', port, method, path, headers: h }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    r.on('error', reject);
    if (body) r.write(body);
    r.end();
  });
}

(async () => {
  const port = +(process.argv[2] || 9199);
  const innerPort = await freePort();
  const emu = new StorageEmulator({ projectId: 'demo-test', host: '127.0.0.1', port: innerPort, rules: [],
                                    auto_download: false });
  emu._rulesRuntime.start = async () => {};  // skip the Java rules jar (needs Java 21 + a download)
  emu._rulesRuntime.stop = async () => {};
  await EmulatorRegistry.start(emu);  // registers host/port, without which every call fails

  let faults = {};
  let counters = { uploads: 0, requests: 0, injected: 0, chunks: 0 };
  // Resumable sessions the front is assembling: upload_id -> {chunks: [Buffer], received, done: response|null}.
  const sessions = new Map();

  const send = (res, status, headers, body) => {
    res.writeHead(status, headers);
    res.end(body);
  };
  const injectFailure = (res) => {
    counters.injected++;
    const status = faults.fail_status || 503;
    send(res, status, { 'content-type': 'application/json' },
         JSON.stringify({ error: { code: status, message: 'injected failure', errors: [] } }));
  };
  const isUploadStart = (req, url) => req.method === 'POST' && url.pathname.startsWith('/upload/storage/v1/');
  const shouldFailUpload = (n) =>
    (Array.isArray(faults.fail_uploads) && faults.fail_uploads.includes(n)) ||
    (faults.fail_uploads_from !== undefined && n >= faults.fail_uploads_from);

  const front = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, `http://127.0.0.1:${port}`);
      if (url.pathname === '/_emulator/faults') {
        if (req.method === 'GET') return send(res, 200, { 'content-type': 'application/json' },
                                               JSON.stringify(Object.assign({}, faults, counters)));
        if (req.method === 'DELETE') {
          faults = {};
          counters = { uploads: 0, requests: 0, injected: 0, chunks: 0 };
          return send(res, 204, {}, '');
        }
        faults = Object.assign(faults, JSON.parse((await readBody(req)).toString() || '{}'));
        return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(faults));
      }
      counters.requests++;
      if (faults.delay_ms) await new Promise((r) => setTimeout(r, faults.delay_ms));
      const body = await readBody(req);
      if (isUploadStart(req, url)) {
        const n = ++counters.uploads;
        if (shouldFailUpload(n)) return injectFailure(res);
      }
      const uploadId = url.searchParams.get('upload_id');
      if (req.method === 'PUT' && uploadId && url.searchParams.get('uploadType') === 'resumable') {
        return await resumablePut(req, res, url, uploadId, body);
      }
      const r = await inner(innerPort, req.method, req.url, req.headers, body.length ? body : null);
      if (r.headers.location) r.headers.location = r.headers.location.replace(`:${innerPort}`, `:${port}`);
      delete r.headers['content-length'];
      delete r.headers['transfer-encoding'];
      r.headers['content-length'] = String(r.body.length);
      return send(res, r.status, r.headers, r.body);
    } catch (e) {
      send(res, 500, { 'content-type': 'application/json' },
           JSON.stringify({ error: { code: 500, message: `emulator front: ${e && e.message}` } }));
    }
  });

  async function resumablePut(req, res, url, uploadId, body) {
    let s = sessions.get(uploadId);
    if (!s) { s = { chunks: [], received: 0, done: null }; sessions.set(uploadId, s); }
    const range = req.headers['content-range'] || '';
    const rangeHeader = () => (s.received > 0 ? { range: `bytes=0-${s.received - 1}` } : {});
    if (s.done) return send(res, s.done.status, s.done.headers, s.done.body);
    let m = /^bytes \*\/(\d+|\*)$/.exec(range);
    if (m) return send(res, 308, rangeHeader(), '');  // status query
    m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range);
    let first = 0, total = null;
    if (m) {
      first = +m[1];
      if (+m[2] - first + 1 !== body.length) return send(res, 400, {}, 'Content-Range does not match the body');
      if (m[3] !== '*') total = +m[3];
    } else if (range === '') {
      total = s.received + body.length;  // a single-request upload
      first = s.received;
    } else {
      return send(res, 400, {}, 'bad Content-Range');
    }
    if (first > s.received) return send(res, 400, {}, `chunk starts at ${first}, expected ${s.received}`);
    const chunkNo = ++counters.chunks;
    const listed = (name) => Array.isArray(faults[name]) && faults[name].includes(chunkNo);
    if (listed('fail_chunks')) return injectFailure(res);
    const fresh = body.subarray(s.received - first);  // drop bytes we already have
    s.chunks.push(fresh);
    s.received += fresh.length;
    if (listed('fail_chunks_after_store')) return injectFailure(res);
    if (total === null || s.received < total) return send(res, 308, rangeHeader(), '');
    if (s.received > total) return send(res, 400, {}, 'more bytes than the declared total');
    const whole = Buffer.concat(s.chunks);
    const headers = Object.assign({}, req.headers);
    delete headers['content-range'];
    const r = await inner(innerPort, 'PUT', req.url, headers, whole);
    delete r.headers['content-length'];
    delete r.headers['transfer-encoding'];
    r.headers['content-length'] = String(r.body.length);
    if (r.status === 200 || r.status === 201) {
      s.done = { status: r.status, headers: r.headers, body: r.body };
      s.chunks = [];
    }
    return send(res, r.status, r.headers, r.body);
  }

  front.keepAliveTimeout = 5000;
  front.listen(port, '127.0.0.1', () => console.log(`gcs emulator listening on http://127.0.0.1:${port}`));
  const stop = () => { front.close(); emu.stop().finally(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
})().catch((e) => { console.error('FAILED', e); process.exit(1); });
