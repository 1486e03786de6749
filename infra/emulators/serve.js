// Starts one AWS API emulator on 127.0.0.1 and prints "ready <port>" once it listens.
// usage: node serve.js dynalite|kinesalite|s3rver <port|0> [dataDir]
// An empty dataDir keeps dynalite and kinesalite in memory; s3rver always needs a directory.
'use strict';
const [kind, portArg, dataDir] = process.argv.slice(2);
const port = Number(portArg || 0);
const host = '127.0.0.1';

function ready(server) {
  console.log('ready ' + server.address().port);
}

// A client that goes away in the middle of sending a request (a function instance killed, a
// cancelled context) makes kinesalite throw from its request's 'error' handler, which would end
// the process and every test or local stack using it. Such a request is simply gone: say so and
// keep serving. Anything else still ends the process.
process.on('uncaughtException', (err) => {
  if (err && (err.code === 'ECONNRESET' || err.message === 'aborted')) {
    console.error(kind + ': a client went away in the middle of a request (' + err.message + ')');
    return;
  }
  console.error(err);
  process.exit(1);
});

// Exit with the parent: stdin closes when the process that started us goes away.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

switch (kind) {
  case 'dynalite': {
    const opts = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 };
    if (dataDir) opts.path = dataDir;
    const server = require('dynalite')(opts);
    server.listen(port, host, () => ready(server));
    break;
  }
  case 'kinesalite': {
    const opts = { createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000 };
    if (dataDir) opts.path = dataDir;
    const server = require('kinesalite')(opts);
    server.listen(port, host, () => ready(server));
    break;
  }
  case 's3rver': {
    const S3rver = require('s3rver');
    const s3 = new S3rver({ address: host, port, directory: dataDir, silent: true, allowMismatchedSignatures: true });
    s3.run().then((addr) => console.log('ready ' + addr.port), (err) => {
      console.error(err.message);
      process.exit(1);
    });
    break;
  }
  default:
    console.error('unknown emulator: ' + kind);
    process.exit(2);
}
