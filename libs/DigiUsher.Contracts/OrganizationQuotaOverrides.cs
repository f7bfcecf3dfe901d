namespace DigiUsher.Contracts;

/// <summary>
/// An operator's override of one organization's quotas that other services enforce (CurPoller: keys
/// listed per poll and manifest bytes; CurParser: bytes and rows per delivery), carried in
/// <see cref="AwsCredentialsIssued"/>. A null value is not overridden: the service's configured
/// default (section <c>Quotas</c>) applies.
/// </summary>
/// <param name="KeysListedPerPoll">Keys one poll lists under the data source's prefix.</param>
/// <param name="ManifestBytes">Bytes of one manifest.</param>
/// <param name="DeliveryBytes">Bytes of one delivery's report files as S3 lists them.</param>
/// <param name="DeliveryRows">Line items of one delivery.</param>
/// <param name="ExpiresAt">
/// When the operator's override ends (null: when it is cleared). A service keeps the credentials that carry
/// it no longer than that, so the defaults apply again at once, without an event announcing the end.
/// </param>
public sealed record OrganizationQuotaOverrides(int? KeysListedPerPoll, long? ManifestBytes, long? DeliveryBytes, long? DeliveryRows, DateTimeOffset? ExpiresAt = null);
