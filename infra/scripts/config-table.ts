/** Prints the configuration table that README.md carries (generated from common/config). */
import { configTable } from '../../common/config/app.config.js';

console.log(configTable());
