// Prints a one-line health report; the image's only program.
console.log(JSON.stringify({ service: 'report', node: process.version, at: new Date().toISOString() }));
