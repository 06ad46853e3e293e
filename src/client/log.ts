// The client runtime's default logger (stderr, like the rest of Skiff); each module takes a child
// with its `component`. Level from SKIFF_LOG_LEVEL (default info).
import pino from 'pino';

export const clientLogger: pino.Logger = pino({ name: 'skiff', level: process.env.SKIFF_LOG_LEVEL ?? 'info' }, pino.destination(2));
