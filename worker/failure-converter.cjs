// Failures carry messages and stack traces into workflow history: an SMTP reply naming an address, a store error
// quoting a value. With encodeCommonAttributes they travel as a payload, which the codec encrypts like every other;
// the server sees "Encoded failure". Plain CommonJS, because the SDK loads it with require() in every process.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
