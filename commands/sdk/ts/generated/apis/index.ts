/* tslint:disable */
/* eslint-disable */
export * from './ActorsApi';
export * from './ApprovalsApi';
export * from './AuditApi';
export * from './BackupApi';
export * from './ChainsApi';
export * from './DataApi';
export * from './EscrowApi';
export * from './KeysApi';
export * from './LedgerApi';
export * from './OperationsApi';
export * from './PrivacyApi';
export * from './ReportsApi';
export * from './SigningApi';
export * from './ThreatsApi';
export * from './ThresholdApi';
export * from './WalletsApi';
export * from './ZkApi';
