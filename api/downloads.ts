import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';

/**
 * Sends a stored file as a download: its own type and size, its name kept
 * (UTF-8, RFC 5987), and no sniffing by the browser.
 */
export function sendDownload(reply: FastifyReply, file: { contentType: string; size: number; filename: string }, body: Readable) {
  return reply
    .type(file.contentType)
    .header('content-length', String(file.size))
    .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
    .header('x-content-type-options', 'nosniff')
    .send(body);
}

/** Sends a generated file (an archive, an export) as a download, streamed as it is made. */
export function sendStream(reply: FastifyReply, contentType: string, filename: string, body: Readable | string) {
  return reply
    .type(contentType)
    .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`)
    .header('x-content-type-options', 'nosniff')
    .send(body);
}
