/**
 * An analysis worker (bundled as dist/analysisWorker.js): runs `analyze` on
 * the texts the language server sends, off the server's thread, so a costly
 * file never delays another document's requests. The server terminates a
 * worker whose job went stale (the document changed or closed).
 */
import { parentPort } from 'node:worker_threads';
import { analyze } from '../core';
import type { AnalysisJob, AnalysisReply } from './analysisProtocol';

const port = parentPort;
if (!port) throw new Error('analysisWorker.js runs as a worker thread of the CNN Lens language server.');
port.on('message', (job: AnalysisJob) => {
  const analysis = analyze(job.text, { graph: job.graph });
  port.postMessage({ id: job.id, kind: 'diagnostics', diagnostics: analysis.diagnostics } satisfies AnalysisReply);
  port.postMessage({ id: job.id, kind: 'analysis', analysis } satisfies AnalysisReply);
});
