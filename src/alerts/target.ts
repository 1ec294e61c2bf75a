// The outbound-address guard moved to src/shared/outbound-target.ts (deployments use it too);
// kept here so the alert modules' imports stay as they were.
export * from '../shared/outbound-target';
