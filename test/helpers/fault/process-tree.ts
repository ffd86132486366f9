// Moved to deploy/kit/ so that deploy/local-cluster.ts and the tests share one kit.
export * from '../../../deploy/kit/process-tree.ts';
