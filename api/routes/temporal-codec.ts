/**
 * The Temporal Web UI's "codec server": the UI (and `temporal workflow show
 * --codec-endpoint`) sends the encrypted payloads of a history here and shows
 * what comes back. Open only to operators and admins, so reading a dossier in
 * the UI needs a log-in on this site; without one the UI shows ciphertext.
 *
 * Protocol (Temporal's remote codec): POST …/decode and …/encode with
 * `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`, the same shape back.
 */
import fastifyCors from '@fastify/cors';
import type { Payload } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf, requireRole } from '../auth.js';
import { AppError } from '../errors.js';
import { errorResponses, sessionSecurity } from '../schemas/common.js';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64 attendu');

const wirePayloadsSchema = z
  .object({
    payloads: z
      .array(
        z.object({
          metadata: z.record(z.string(), base64).optional(),
          data: base64.optional(),
        }),
      )
      .max(10_000),
  })
  .meta({ id: 'CodecPayloads', description: 'Payloads as Temporal encodes them in JSON: every byte string in base64.' });

type WirePayloads = z.output<typeof wirePayloadsSchema>;

const fromWire = ({ payloads }: WirePayloads): Payload[] =>
  payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(data ?? '', 'base64'),
  }));

const toWire = (payloads: Payload[]): WirePayloads => ({
  payloads: payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
  })),
});

/** A history page holds many payloads; a dossier's largest is well under this. */
const CODEC_BODY_LIMIT = 8 * 1024 * 1024;

export const temporalCodecRoutes: FastifyPluginAsyncZod = async (app) => {
  const { temporal, config } = app.deps;
  const codecs = temporal.options.loadedDataConverter.payloadCodecs;
  // The UI runs on its own origin and sends the session cookie ("Include cross-origin credentials").
  await app.register(fastifyCors, {
    origin: config.TEMPORAL_UI_ORIGINS,
    credentials: true,
    methods: ['POST'],
    allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
    maxAge: 600,
  });

  const route = (direction: 'decode' | 'encode', summary: string) =>
    app.post(
      `/temporal-codec/${direction}`,
      {
        onRequest: requireRole('operator', 'admin'),
        bodyLimit: CODEC_BODY_LIMIT,
        config: { allowedOrigins: config.TEMPORAL_UI_ORIGINS },
        schema: {
          tags: ['operations'],
          summary,
          description:
            'For the Temporal Web UI (Data Encoder settings) and `temporal workflow show --codec-endpoint …/api/temporal-codec --codec-auth "Bearer <token>"`. ' +
            'Operators and admins only; the UI must send the session cookie (its "Include cross-origin credentials" option).',
          security: sessionSecurity,
          body: wirePayloadsSchema,
          response: { 200: wirePayloadsSchema, ...(direction === 'decode' ? errorResponses(400, 401, 403, 413, 415, 422) : errorResponses(400, 401, 403, 413, 415)) },
        },
      },
      async (request) => {
        let payloads = fromWire(request.body);
        try {
          if (direction === 'decode') for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
          else for (const codec of codecs) payloads = await codec.encode(payloads);
        } catch (error) {
          request.log.warn({ err: error, direction }, 'payloads could not be processed by the codec');
          throw new AppError(
            'PAYLOAD_UNREADABLE',
            direction === 'decode'
              ? "Ces données n'ont pas pu être déchiffrées : elles ont été scellées avec une clé que ce serveur ne connaît pas, ou elles ont été altérées."
              : "Ces données n'ont pas pu être chiffrées.",
          );
        }
        // Who read what, and when: decoded histories hold personal data.
        if (direction === 'decode') {
          request.log.info(
            { accountId: authOf(request).account._id, namespace: request.headers['x-namespace'], payloads: payloads.length },
            'temporal payloads decoded for an operator',
          );
        }
        return toWire(payloads);
      },
    );

  route('decode', 'Déchiffrer des données Temporal (codec du Temporal Web UI)');
  route('encode', 'Chiffrer des données Temporal (codec du Temporal Web UI)');
};
