// Error messages and stack traces go through the payload codec like any other
// payload: an SMTP refusal names the address it refused, and histories keep it.
// CommonJS on purpose: the SDK require()s this file by path, from Node and from
// the workflow bundle alike (see temporal/data-converter.ts).
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
