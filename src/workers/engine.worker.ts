/// <reference lib="webworker" />
/** Worker entry: exposes the Engine over comlink. */
import * as Comlink from 'comlink';
import { Engine } from './engine.ts';

Comlink.expose(new Engine());
