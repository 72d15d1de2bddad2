// Worker threads do not inherit the parent's module hooks, so this plain-JS entry loads tsx
// before the TypeScript worker, the way bin/capstan.js does for the command line.
import { register } from 'tsx/esm/api';

register();
await import('./marketplace-worker.ts');
