import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { FileStore } from '../db/files.js';

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

/**
 * A ZIP streamed as it is made: stored files go from GridFS into it one after
 * the other (never held whole in memory), generated entries as buffers. A file
 * missing from GridFS ends the download with an error, not the process.
 */
export function zipStream(files: Pick<FileStore, 'openDownload'>, stored: { fileId: string; name: string }[], generated: { name: string; bytes: Buffer }[] = []): Readable {
  const zip = new ZipFile();
  const output = zip.outputStream as Readable;
  for (const entry of generated) zip.addBuffer(entry.bytes, entry.name);
  for (const entry of stored) {
    const source = files.openDownload(entry.fileId);
    source.on('error', (error) => output.destroy(error));
    zip.addReadStream(source, entry.name, { compress: false });
  }
  zip.on('error', (error: Error) => output.destroy(error));
  zip.end();
  return output;
}
