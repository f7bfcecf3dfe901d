using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using DigiUsher.Contracts;
using DigiUsher.DataSource.Validation;
using DigiUsher.ServiceDefaults.Quotas;

namespace DigiUsher.DataSource.Quotas;

/// <summary>An operator's override of one organization's quotas, as stored (a null value is not overridden).</summary>
public sealed record QuotaOverride
{
    public Guid OrganizationId { get; init; }

    public int? DataSourcesPerOrganization { get; init; }

    public int? KeysListedPerPoll { get; init; }

    public long? ManifestBytes { get; init; }

    public long? DeliveryBytes { get; init; }

    public long? DeliveryRows { get; init; }

    /// <summary>Why the operator set it (a ticket, a customer's month-end).</summary>
    public string Reason { get; init; } = string.Empty;

    /// <summary>When the defaults apply again; null: until it is deleted.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Who set it (the operator identity's subject).</summary>
    public string UpdatedBy { get; init; } = string.Empty;

    /// <summary>In force until it expires (an expired override is ignored, not deleted: it stays visible to operators).</summary>
    public bool InForceAt(DateTimeOffset now) => ExpiresAt is null || ExpiresAt > now;

    /// <summary>The values the other services enforce, as <see cref="AwsCredentialsIssued"/> carries them.</summary>
    public OrganizationQuotaOverrides ForOtherServices() => new(KeysListedPerPoll, ManifestBytes, DeliveryBytes, DeliveryRows, ExpiresAt);
}

/// <summary>Where a quota's value comes from (written <c>default</c>, <c>override</c>).</summary>
public enum QuotaSource
{
    /// <summary>The deployment's configuration (section <c>Quotas</c>), the same for every organization.</summary>
    Default,

    /// <summary>An operator's override for this organization.</summary>
    Override,
}

/// <summary>Where each quota's value comes from.</summary>
public sealed record QuotaSources(
    QuotaSource DataSourcesPerOrganization, QuotaSource KeysListedPerPoll, QuotaSource ManifestBytes, QuotaSource DeliveryBytes, QuotaSource DeliveryRows);

/// <summary>An organization's quotas in force: the defaults, with its override on top while the override is in force.</summary>
public sealed record EffectiveQuotas(TenantQuotas Values, QuotaSources Sources, QuotaOverride? InForce)
{
    public static EffectiveQuotas Of(TenantQuotas defaults, QuotaOverride? stored, DateTimeOffset now)
    {
        var o = stored is not null && stored.InForceAt(now) ? stored : null;
        var values = defaults.With(o?.ForOtherServices(), o?.DataSourcesPerOrganization);
        return new EffectiveQuotas(values, new QuotaSources(
            SourceOf(o?.DataSourcesPerOrganization), SourceOf(o?.KeysListedPerPoll), SourceOf(o?.ManifestBytes), SourceOf(o?.DeliveryBytes), SourceOf(o?.DeliveryRows)), o);
    }

    /// <summary>What <see cref="AwsCredentialsIssued"/> carries to CurPoller and CurParser: the override in force, or null.</summary>
    public OrganizationQuotaOverrides? ForOtherServices() => InForce?.ForOtherServices();

    /// <summary>Names the data source quota's origin in a refusal.</summary>
    public string DataSourcesOrigin => Sources.DataSourcesPerOrganization == QuotaSource.Override
        ? "an operator's override for this organization"
        : "Quotas:DataSourcesPerOrganization";

    private static QuotaSource SourceOf<T>(T? value)
        where T : struct => value is null ? QuotaSource.Default : QuotaSource.Override;
}

/// <summary>
/// <c>PUT /internal/v1/admin/organizations/{id}/quotas</c>: the organization's override, replacing the one
/// it had; a quota left out (null) is the default.
/// </summary>
/// <param name="DataSourcesPerOrganization">Data sources the organization may have at once.</param>
/// <param name="KeysListedPerPoll">Keys one poll lists under a data source's prefix.</param>
/// <param name="ManifestBytes">Bytes of one manifest.</param>
/// <param name="DeliveryBytes">Bytes of one delivery's report files as S3 lists them.</param>
/// <param name="DeliveryRows">Line items of one delivery.</param>
/// <param name="Reason">Why (kept with the override and in the audit trail), e.g. a ticket.</param>
/// <param name="ExpiresAt">When the defaults apply again (optional; e.g. after month-end).</param>
public sealed record SetQuotaOverrideRequest(
    int? DataSourcesPerOrganization, int? KeysListedPerPoll, long? ManifestBytes, long? DeliveryBytes, long? DeliveryRows, string? Reason, DateTimeOffset? ExpiresAt);

/// <summary>The rules of an override: each value within the range its setting allows, something overridden, a reason, a future expiry.</summary>
public static class QuotaOverrideRules
{
    public static FieldErrors Check(SetQuotaOverrideRequest request, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        InRange(errors, nameof(TenantQuotas.DataSourcesPerOrganization), request.DataSourcesPerOrganization);
        InRange(errors, nameof(TenantQuotas.KeysListedPerPoll), request.KeysListedPerPoll);
        InRange(errors, nameof(TenantQuotas.ManifestBytes), request.ManifestBytes);
        InRange(errors, nameof(TenantQuotas.DeliveryBytes), request.DeliveryBytes);
        InRange(errors, nameof(TenantQuotas.DeliveryRows), request.DeliveryRows);
        if (request is { DataSourcesPerOrganization: null, KeysListedPerPoll: null, ManifestBytes: null, DeliveryBytes: null, DeliveryRows: null })
        {
            errors.Add("quotas", "Override at least one quota (dataSourcesPerOrganization, keysListedPerPoll, manifestBytes, deliveryBytes, deliveryRows); to go back to the defaults, delete the override.");
        }

        errors.Required("reason", request.Reason, 500);
        if (request.ExpiresAt is { } expires && expires <= now)
        {
            errors.Add("expiresAt", $"'expiresAt' ({expires:O}) is not in the future.");
        }

        return errors;
    }

    /// <summary>The range the setting itself allows (its <see cref="RangeAttribute"/> on <see cref="TenantQuotas"/>), so an override cannot go where configuration cannot.</summary>
    private static void InRange(FieldErrors errors, string quota, long? value)
    {
        if (value is not { } v)
        {
            return;
        }

        var range = typeof(TenantQuotas).GetProperty(quota)!.GetCustomAttribute<RangeAttribute>()!;
        var (min, max) = (Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture), Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture));
        if (v < min || v > max)
        {
            var field = char.ToLowerInvariant(quota[0]) + quota[1..];
            errors.Add(field, string.Create(CultureInfo.InvariantCulture, $"'{field}' must be from {min:N0} to {max:N0}; it is {v:N0}."));
        }
    }
}
