export {
  type CheckLinkerdCsrOptions,
  checkLinkerdCsr,
  DEFAULT_LEAF_LIFETIME_MS,
  type IssuedLeaf,
  type IssueLeafForKeyOptions,
  type IssueLeafOptions,
  issueLeaf,
  issueLeafForKey,
  type LeafOptions,
} from './leaf';
