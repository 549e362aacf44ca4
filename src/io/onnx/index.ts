/** ONNX export: recur's recurrent layers and preset models as `.onnx` files for ONNX Runtime. */
export { exportOnnx, ONNX_NAMES, ONNX_OPSET, ONNX_IR_VERSION, type OnnxExportOptions, type OnnxHead } from './export.ts';
export { exportModelOnnx, type OnnxModelExportOptions } from './models.ts';
