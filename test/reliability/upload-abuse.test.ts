import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, type TestSession } from '../support/accounts.js';
import { markerFreeBytes, sampleJpeg, samplePdf, samplePng } from '../support/files.js';
import { createSelection, hoursFromNow } from '../support/fixtures.js';
import { eventually, startTestStack, type TestStack } from '../support/stack.js';
import { report } from './support/report.js';
import { dossierPath } from '../support/api-client.js';

/** A multipart body built part by part, so a test can send what no browser would. */
function multipart(parts: { name: string; filename?: string; contentType?: string; data: Buffer | string }[]) {
  const boundary = `----abuse${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const type = part.contentType ? `\r\nContent-Type: ${part.contentType}` : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`, 'utf8'), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

const pdf = (name = 'cv.pdf', contentType = 'application/pdf') => ({ name: 'file', filename: name, contentType, data: samplePdf() });

let stack: TestStack;
let user: TestSession;
let base: string;
/** The API on a real socket, for the cases `inject` cannot play (a client going away, a body sent while refused). */
let address: string;
const tried: Record<string, number> = {};

beforeAll(async () => {
  stack = await startTestStack({ apiEnv: { UPLOAD_MAX_MB: '1' } });
  const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  user = await loggedIn(stack);
  const opened = await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers`, headers: user.headers });
  base = dossierPath(opened.json().dossierId);
  address = await stack.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await report('upload-abuse', { cases: tried });
  await stack?.close();
});

async function gridFsCounts() {
  const db = stack.database.connection.db!;
  return { files: await db.collection('files.files').countDocuments(), chunks: await db.collection('files.chunks').countDocuments() };
}

describe('upload abuse: a clean 4xx each time, and nothing left in GridFS', () => {
  const cases: { name: string; body: () => { payload: Buffer; contentType: string }; status: number[] }[] = [
    { name: 'file over the size limit', body: () => multipart([{ ...pdf(), data: Buffer.concat([samplePdf(), Buffer.alloc(1024 * 1024 + 10, 0x20)]) }]), status: [413] },
    { name: 'two files', body: () => multipart([pdf('a.pdf'), pdf('b.pdf')]), status: [400, 413] },
    { name: 'too many parts', body: () => multipart([...Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, data: 'x' })), pdf()]), status: [400, 413] },
    { name: 'too many fields before the file', body: () => multipart([...Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, data: 'x' })), pdf()]), status: [400, 413] },
    { name: 'an oversized field', body: () => multipart([{ name: 'note', data: 'x'.repeat(5000) }, pdf()]), status: [400, 413] },
    { name: 'no file part', body: () => multipart([{ name: 'note', data: 'x' }]), status: [400] },
    { name: 'file in another field', body: () => multipart([{ ...pdf(), name: 'document' }]), status: [400] },
    { name: 'empty file', body: () => multipart([{ ...pdf(), data: Buffer.alloc(0) }]), status: [415] },
    { name: 'executable bytes named .pdf', body: () => multipart([{ ...pdf(), data: Buffer.from('MZ\x90\x00\x03 this is a program') }]), status: [415] },
    { name: 'PNG bytes named .pdf', body: () => multipart([{ ...pdf('cv.pdf', 'application/pdf'), data: samplePng() }]), status: [415] },
    { name: 'PDF bytes named .exe', body: () => multipart([pdf('cv.exe', 'application/octet-stream')]), status: [415] },
    { name: 'PDF bytes declared image/png', body: () => multipart([pdf('cv', 'image/png')]), status: [415] },
    { name: 'PDF bytes declared text/html', body: () => multipart([pdf('cv.pdf', 'text/html')]), status: [415] },
    { name: 'name with a slash', body: () => multipart([pdf('../../etc/passwd.pdf')]), status: [400] },
    { name: 'name with a backslash', body: () => multipart([pdf('..\\..\\boot.pdf')]), status: [400] },
    { name: 'name with a NUL byte', body: () => multipart([pdf('cv.pdf\u0000.exe')]), status: [400] },
    { name: 'name with control characters', body: () => multipart([pdf('cv\u0007\t.pdf')]), status: [400] },
    { name: 'name with a raw line break (broken header)', body: () => multipart([pdf('cv\r\n.pdf')]), status: [400, 415] },
    { name: 'empty name', body: () => multipart([pdf('')]), status: [400] },
    { name: 'no filename at all (a file part without filename=)', body: () => multipart([{ name: 'file', contentType: 'application/octet-stream', data: samplePdf() }]), status: [400] },
    { name: 'name made of dots', body: () => multipart([pdf('..', 'application/octet-stream')]), status: [400] },
    { name: 'PDF bytes named "cv.exe. " (trailing dot and space)', body: () => multipart([pdf('cv.exe. ', 'application/octet-stream')]), status: [415] },
    { name: 'name over 255 characters', body: () => multipart([pdf(`${'a'.repeat(300)}.pdf`)]), status: [400] },
    { name: 'truncated body', body: () => ({ ...multipart([pdf()]), payload: multipart([{ ...pdf(), data: Buffer.concat([samplePdf(), Buffer.alloc(300_000, 0x20)]) }]).payload.subarray(0, 200_000) }), status: [400] },
    { name: 'no boundary', body: () => ({ payload: Buffer.from('just bytes'), contentType: 'multipart/form-data' }), status: [400] },
    { name: 'garbage framing', body: () => ({ payload: randomBytes(4096), contentType: 'multipart/form-data; boundary=xyz' }), status: [400] },
    { name: 'not multipart at all', body: () => ({ payload: samplePdf(), contentType: 'application/pdf' }), status: [415] },
    // Files cut short (a transfer broken, a half-written save): their type's ending is missing.
    { name: 'a PDF without its %%EOF', body: () => multipart([{ ...pdf(), data: samplePdf().subarray(0, samplePdf().length - 8) }]), status: [415] },
    { name: 'a PNG without its IEND chunk (16 bytes)', body: () => multipart([{ ...pdf('id.png', 'image/png'), data: samplePng().subarray(0, 16) }]), status: [415] },
    { name: 'a JPEG without its end marker', body: () => multipart([{ ...pdf('id.jpg', 'image/jpeg'), data: sampleJpeg().subarray(0, 100) }]), status: [415] },
  ];

  for (const testCase of cases) {
    it(`${testCase.name}`, async () => {
      const before = await gridFsCounts();
      const { payload, contentType } = testCase.body();
      const response = await stack.app.inject({ method: 'PUT', url: `${base}/documents/cv`, headers: { ...user.headers, 'content-type': contentType }, payload });
      tried[testCase.name] = response.statusCode;
      expect(testCase.status, response.body).toContain(response.statusCode);
      expect(response.json()).toMatchObject({ statusCode: response.statusCode, code: expect.any(String), message: expect.any(String) });
      expect(await gridFsCounts()).toEqual(before);
    });
  }

  it('a client that goes away mid-upload leaves no file and no chunk', async () => {
    const before = await gridFsCounts();
    const { port } = new URL(address);
    const { payload, contentType } = multipart([{ ...pdf(), data: Buffer.concat([samplePdf(), Buffer.alloc(900_000, 0x20)]) }]);
    for (const cutAt of [1_000, 300_000, 700_000]) {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(
            `PUT ${base}/documents/cv HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${user.headers.authorization}\r\nContent-Type: ${contentType}\r\nContent-Length: ${payload.length}\r\n\r\n`,
          );
          socket.write(payload.subarray(0, cutAt), () => setTimeout(() => socket.destroy(), 100));
        });
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
    }
    // The server notices the closed socket and cleans up what it had written.
    await eventually(async () => JSON.stringify(await gridFsCounts()) === JSON.stringify(before), 10_000);
    tried['client gone mid-upload (3 cut points)'] = 0;
    const dossier = await stack.app.inject({ method: 'GET', url: base, headers: user.headers });
    expect(dossier.json().documents.cv).toBeUndefined();
  });

  it('answers a large body refused at its first bytes, reading (and dropping) the rest', async () => {
    const before = await gridFsCounts();
    for (const [filename, bytes] of [['..', samplePdf()], ['cv.pdf', Buffer.from('MZ not a pdf')]] as const) {
      const { payload, contentType } = multipart([{ ...pdf(filename), data: Buffer.concat([bytes, Buffer.alloc(900_000, 0x20)]) }]);
      const response = await fetch(`${address}${base}/documents/cv`, { method: 'PUT', headers: { ...user.headers, 'content-type': contentType }, body: payload });
      expect([400, 415]).toContain(response.status);
      expect(((await response.json()) as { code: string }).code).toMatch(/VALIDATION_FAILED|UNSUPPORTED_MEDIA_TYPE/);
    }
    expect(await gridFsCounts()).toEqual(before);
  });

  it('takes the names and types browsers really send', async () => {
    for (const [filename, contentType, bytes] of [
      ['photo.jfif', 'image/jpeg', sampleJpeg()],
      ['IMAGE.JPEG', 'image/pjpeg', sampleJpeg()],
      ['Relevé 12.03.2024', 'application/pdf', samplePdf()],
      ['scan', 'binary/octet-stream', samplePng()],
      // A phone's motion photo: the JPEG (its XMP says MotionPhoto), its end marker, then a video.
      ['PXL_20261203.MP.jpg', 'image/jpeg', Buffer.concat([sampleJpeg().subarray(0, 20), Buffer.from('<x:xmpmeta GCamera:MotionPhoto="1"/>'), sampleJpeg().subarray(20), markerFreeBytes(4096)])],
    ] as const) {
      const { payload, contentType: type } = multipart([{ name: 'file', filename, contentType, data: bytes }]);
      const response = await stack.app.inject({ method: 'PUT', url: `${base}/documents/cv`, headers: { ...user.headers, 'content-type': type }, payload });
      expect(response.statusCode, `${filename}: ${response.body}`).toBe(200);
    }
  });

  it('still takes a good file afterwards', async () => {
    const { payload, contentType } = multipart([pdf('Mon CV (2026) — été.pdf')]);
    const response = await stack.app.inject({ method: 'PUT', url: `${base}/documents/cv`, headers: { ...user.headers, 'content-type': contentType }, payload });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().documents.cv.filename).toBe('Mon CV (2026) — été.pdf');
  });
});
