using System.ComponentModel.DataAnnotations;

namespace DigiUsher.ServiceDefaults.Quotas;

/// <summary>
/// Section <c>Quotas</c>: what one organization may make DigiUsher do, the same for every organization
/// and read by every service (each enforces its own: DataSource the data sources, CurPoller the
/// listing and the manifest, CurParser the delivery), so set them once for all services (the chart's
/// <c>serviceDefaults.config</c>). DataSource shows them at <c>GET /api/v1/quotas</c>. A tenant over a
/// quota gets an error that names it; the others notice nothing.
/// </summary>
public sealed class TenantQuotas
{
    public const string Section = "Quotas";

    /// <summary>Data sources one organization may have connected at once.</summary>
    [Range(1, 100_000)]
    public int DataSourcesPerOrganization { get; set; } = 50;

    /// <summary>Keys one poll lists under a data source's prefix; the poll stops there and fails naming the quota.</summary>
    [Range(1, 100_000_000)]
    public int KeysListedPerPoll { get; set; } = 50_000;

    /// <summary>Bytes of one manifest, refused from its size before it is read.</summary>
    [Range(1024, 1L << 40)]
    public long ManifestBytes { get; set; } = 16L << 20;

    /// <summary>
    /// Bytes of one delivery's report files as S3 lists them: refused from the listed sizes before
    /// anything is downloaded, and each file cut off while streaming if it sends more than it was listed with.
    /// </summary>
    [Range(1024, 1L << 50)]
    public long DeliveryBytes { get; set; } = 32L << 30;

    /// <summary>Line items of one delivery: a Parquet delivery is refused from what its footers declare, a CSV one when the count passes it while loading.</summary>
    [Range(1, 1L << 40)]
    public long DeliveryRows { get; set; } = 500_000_000;
}
