// The package is CommonJS: Node's ESM loader offers its exports on the default import only.
import proto from '@temporalio/proto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const PART_TIMEOUT_MS = 3_000;
/**
 * A worker long-polls its task queue without pause, so the server saw it
 * within a poll's length (about a minute) if it is alive; the server keeps
 * departed pollers listed for a few minutes more.
 */
const WORKER_SEEN_WITHIN_MS = 90_000;

const PARTS = ['temporal', 'database', 'smtp', 'worker'] as const;
type Part = (typeof PARTS)[number];

const partSchema = z.object({ up: z.boolean(), error: z.string().optional() });
const healthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    /** Names of the parts that are down, empty when all are up. */
    down: z.array(z.enum(PARTS)),
    parts: z.object(Object.fromEntries(PARTS.map((part) => [part, partSchema])) as Record<Part, typeof partSchema>),
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
  const { temporal, database, mailer, config } = app.deps;
  const withDeadline = <T>(call: () => Promise<T>) => temporal.withDeadline(Date.now() + PART_TIMEOUT_MS, call);
  const checks: Record<Part, () => Promise<unknown>> = {
    // A gRPC deadline too, so the call itself ends instead of retrying behind the timeout.
    temporal: () => withDeadline(() => temporal.workflowService.getSystemInfo({})),
    database: () => database.ping(),
    smtp: () => mailer.verify(),
    // A worker polls the dossiers' task queue: without one, every step waits and ends in a 503.
    worker: async () => {
      const { pollers } = await withDeadline(() =>
        temporal.workflowService.describeTaskQueue({
          namespace: temporal.options.namespace,
          taskQueue: { name: config.TEMPORAL_TASK_QUEUE },
          taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      const seen = Math.max(0, ...(pollers ?? []).map((poller) => Number(poller.lastAccessTime?.seconds ?? 0) * 1000));
      if (Date.now() - seen > WORKER_SEEN_WITHIN_MS) throw new Error(`no worker polls the task queue "${config.TEMPORAL_TASK_QUEUE}"`);
    },
  };
  const report = async (parts: readonly Part[]) => {
    const results = Object.fromEntries(await Promise.all(parts.map(async (part) => [part, await probe(checks[part])] as const)));
    const down = parts.filter((part) => !results[part]!.up);
    return { status: down.length === 0 ? ('ok' as const) : ('unavailable' as const), down, results };
  };

  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'État de Temporal, de la base de données, du relais SMTP et des workers',
        description: 'For operators and monitoring: 200 when every part answers, 503 naming the parts that do not.',
        response: { 200: healthSchema.describe('Every part answers.'), 503: healthSchema.describe('Some parts do not: `down` names them.') },
      },
    },
    async (_request, reply) => {
      const { status, down, results } = await report(PARTS);
      return reply.code(down.length === 0 ? 200 : 503).send({ status, down, parts: results as Record<Part, z.infer<typeof partSchema>> });
    },
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Ce processus peut-il servir ? (pour un répartiteur de charge)',
        description:
          'For a load balancer: 200 when this API process reaches Temporal and the database, 503 otherwise. ' +
          'A missing worker or SMTP relay is not a reason to take this process out of the pool (another API process would not do better): watch `/health` for those.',
        response: { 200: z.object({ status: z.literal('ok') }).describe('Ready.'), 503: z.object({ status: z.literal('unavailable'), down: z.array(z.enum(PARTS)) }).describe('Not ready.') },
      },
    },
    async (_request, reply) => {
      const { down } = await report(['temporal', 'database']);
      return down.length === 0 ? reply.code(200).send({ status: 'ok' as const }) : reply.code(503).send({ status: 'unavailable' as const, down });
    },
  );
};
