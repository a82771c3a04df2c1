export { EXPORT_FORMATS, renderExport, renderDnsmasq, renderEthers, renderHosts, type ExportFormat } from './render.js';
export { startExportWriter, type ExportWriter, type ExportWriterOptions } from './writer.js';
