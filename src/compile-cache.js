// Loaded before the server (`node --import ./src/compile-cache.js src/server.ts`, the start command),
// so JavaScript on purpose: it must run before the first TypeScript file is read. Node's compile
// cache keeps each module's type-stripped source and compiled code on disk (in the system's temp
// directory, or where NODE_COMPILE_CACHE says: the image ships one filled at build); from the
// second start on, a process neither loads the type stripper (about 20 MB of memory) nor compiles
// what it compiled before, so it starts faster and stays smaller (docs/decisions/0090). A cache
// that cannot be written (a read-only temp directory) only costs those savings: Node carries on
// without it.
import { enableCompileCache } from 'node:module';

enableCompileCache();
