// Preloaded (`node --import`) into a CLI child by tests/js/cli-helpers.js: as
// the process exits, writes its peak resident set size in KiB
// (process.resourceUsage().maxRSS, the kernel's own figure) to
// $EDGE_KMS_RSS_FILE. It changes nothing else in the process it measures.
import { writeFileSync } from 'node:fs';

const file = process.env.EDGE_KMS_RSS_FILE;
if (file) process.on('exit', () => { writeFileSync(file, String(process.resourceUsage().maxRSS)); });
