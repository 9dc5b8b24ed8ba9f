export interface AlertDestinationDeletedPayload {
  readonly destinationId: string;
  readonly deletedAt: string;
}

/** No more alerts go there; its undelivered alerts go to the dead-letter list. */
export class AlertDestinationDeleted {
  static readonly type = 'alert_destination.deleted';
  static readonly schemaVersion = 1;
  readonly type = AlertDestinationDeleted.type;
  readonly schemaVersion = AlertDestinationDeleted.schemaVersion;
  constructor(readonly payload: AlertDestinationDeletedPayload) {}
}
