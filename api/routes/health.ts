import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const PART_TIMEOUT_MS = 3_000;

const partSchema = z.object({ up: z.boolean(), error: z.string().optional() });
const healthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    /** Names of the parts that are down, empty when all are up. */
    down: z.array(z.enum(['temporal', 'database', 'smtp'])),
    parts: z.object({ temporal: partSchema, database: partSchema, smtp: partSchema }),
  })
  .meta({ id: 'Health' });

async function probe(check: () => Promise<unknown>): Promise<z.infer<typeof partSchema>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PART_TIMEOUT_MS} ms`)), PART_TIMEOUT_MS);
      }),
    ]);
    return { up: true };
  } catch (error) {
    return { up: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'État de Temporal, de la base de données et du relais SMTP',
        description: '200 when every part answers, 503 naming the parts that do not.',
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const { temporal, database, mailer } = app.deps;
      const [temporalPart, databasePart, smtpPart] = await Promise.all([
        // A gRPC deadline too, so the call itself ends instead of retrying behind the timeout.
        probe(() => temporal.withDeadline(Date.now() + PART_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({}))),
        probe(() => database.ping()),
        probe(() => mailer.verify()),
      ]);
      const parts = { temporal: temporalPart, database: databasePart, smtp: smtpPart };
      const down = (Object.keys(parts) as (keyof typeof parts)[]).filter((name) => !parts[name].up);
      return reply.code(down.length === 0 ? 200 : 503).send({ status: down.length === 0 ? 'ok' : 'unavailable', down, parts });
    },
  );
};
