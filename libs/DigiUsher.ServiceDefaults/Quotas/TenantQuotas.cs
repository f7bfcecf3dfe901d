using System.ComponentModel.DataAnnotations;
using DigiUsher.Contracts;

namespace DigiUsher.ServiceDefaults.Quotas;

/// <summary>
/// Section <c>Quotas</c>: what one organization may make DigiUsher do, the same for every organization
/// and read by every service (each enforces its own: DataSource the data sources, CurPoller the
/// listing and the manifest, CurParser the delivery), so set them once for all services (the chart's
/// <c>serviceDefaults.config</c>). DataSource shows them at <c>GET /api/v1/quotas</c>. A tenant over a
/// quota gets an error that names it; the others notice nothing. An operator may override them for one
/// organization (DataSource stores the override; CurPoller and CurParser receive it with the data
/// source's credentials and apply it with <see cref="With"/>).
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

    /// <summary>The organization's overrides these quotas were made <see cref="With"/> (not bound from configuration).</summary>
    public OrganizationQuotaOverrides? Overrides { get; private init; }

    /// <summary>
    /// These defaults with an organization's overrides on top (each value not overridden stays the
    /// default); the defaults themselves when there are none. DataSource, which enforces the data sources
    /// itself, passes <paramref name="dataSourcesPerOrganization"/> too.
    /// </summary>
    public TenantQuotas With(OrganizationQuotaOverrides? overrides, int? dataSourcesPerOrganization = null) =>
        overrides is null && dataSourcesPerOrganization is null
            ? this
            : new TenantQuotas
            {
                DataSourcesPerOrganization = dataSourcesPerOrganization ?? DataSourcesPerOrganization,
                KeysListedPerPoll = overrides?.KeysListedPerPoll ?? KeysListedPerPoll,
                ManifestBytes = overrides?.ManifestBytes ?? ManifestBytes,
                DeliveryBytes = overrides?.DeliveryBytes ?? DeliveryBytes,
                DeliveryRows = overrides?.DeliveryRows ?? DeliveryRows,
                Overrides = overrides,
            };

    /// <summary>Where a quota's value comes from, for the error that names it: its setting, or the organization's override.</summary>
    public string SourceOf(string quota)
    {
        var overridden = quota switch
        {
            nameof(KeysListedPerPoll) => Overrides?.KeysListedPerPoll is not null,
            nameof(ManifestBytes) => Overrides?.ManifestBytes is not null,
            nameof(DeliveryBytes) => Overrides?.DeliveryBytes is not null,
            nameof(DeliveryRows) => Overrides?.DeliveryRows is not null,
            _ => false,
        };
        return overridden ? "an operator's override for this organization" : $"Quotas:{quota}";
    }
}
