export { bootstrapWorkspace, type TBootstrapResult } from "./bootstrap-workspace.js";
export { createBrand, type TBrand } from "./create-brand.js";
export { createWorkspace } from "./create-workspace.js";
export { getBrand } from "./get-brand.js";
export { listBrands } from "./list-brands.js";
export { presentBrand, workspaceRoutes, ZBrand } from "./routes.js";
export { workspaceSettingsRoutes, ZWorkspaceSettings } from "./routes-settings.js";
export { type TWorkspaceSettingsPatch, updateWorkspaceSettings } from "./update-workspace-settings.js";
export { brands, workspaces } from "./workspaces.tables.js";
