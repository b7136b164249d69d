#!/usr/bin/env node
// projen's `nextVersionCommand` (see .projenrc.ts): the first release is 0.1.0, later ones follow the conventional
// commits (projen's bump: `feat` -> minor... as commit-and-tag-version decides). projen sets $VERSION to the current
// version; printing nothing keeps its own choice, printing x.y.z releases that version.
'use strict';
const current = (process.env.VERSION ?? '0.0.0').split('.').map(Number);
const below010 = current[0] === 0 && current[1] === 0;
if (below010) console.log('0.1.0');
