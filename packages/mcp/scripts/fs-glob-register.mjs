// Preload (node --import) that gives Node 20 the fs.globSync the conformance suite 0.1.16 needs.
import { register } from 'node:module';
import fs from 'node:fs';

if (typeof fs.globSync !== 'function') register('./fs-glob-hooks.mjs', import.meta.url);
