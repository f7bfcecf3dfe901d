using System.Security.Claims;
using DigiUsher.DataSource.Audit;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Quotas;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.DataSource.Apis;

/// <summary>What an operator sees of one organization's quotas: those in force (as the tenant sees them) and the stored override, expired or not.</summary>
/// <param name="OrganizationId">The organization.</param>
/// <param name="Quotas">Its quotas in force and where each comes from.</param>
/// <param name="Override">Its stored override (null: none); <c>inForce</c> false once it expired.</param>
public sealed record OperatorQuotasView(Guid OrganizationId, QuotasView Quotas, StoredQuotaOverride? Override);

/// <summary>A stored override and whether it is in force now.</summary>
public sealed record StoredQuotaOverride(QuotaOverride Values, bool InForce);

/// <summary>
/// Operators' quota overrides per organization, under <c>/internal/v1/admin</c> (the admin CLI's service
/// identity with <c>quotas:write</c>; no tenant token, an admin's included, can hold that scope).
/// </summary>
public static class QuotaOverridesApi
{
    public static RouteGroupBuilder MapQuotaOverridesApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/organizations/{organizationId:guid}/quotas").RequireScope(Scopes.QuotasWrite);
        group.MapGet("/", GetAsync);
        group.MapPut("/", SetAsync);
        group.MapDelete("/", ClearAsync);
        return admin;
    }

    private static async Task<IResult> GetAsync(Guid organizationId, DataSourceStore store, QuotaOverrideStore overrides, TimeProvider time, CancellationToken cancellationToken) =>
        await overrides.OrganizationExistsAsync(organizationId, cancellationToken)
            ? TypedResults.Ok(await ViewAsync(organizationId, store, overrides, time, cancellationToken))
            : NoSuchOrganization(organizationId);

    private static async Task<IResult> SetAsync(
        Guid organizationId, HttpRequest http, ClaimsPrincipal user, DataSourceStore store, QuotaOverrideStore overrides, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<SetQuotaOverrideRequest>(http, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        if (QuotaOverrideRules.Check(request, time.GetUtcNow()) is { Any: true } errors)
        {
            return errors.ToProblem();
        }

        if (await overrides.SetAsync(organizationId, request, user.GetSubject(), cancellationToken) is null)
        {
            return NoSuchOrganization(organizationId);
        }

        // The organization's admins see in their audit log that an operator changed what they may do, and why.
        await audit.RecordAsync(new AuditEntry(organizationId, AuditActions.QuotasOverridden, TargetType: "organization", TargetId: organizationId.ToString(),
            Detail: OverrideDetail(request)), cancellationToken);
        return TypedResults.Ok(await ViewAsync(organizationId, store, overrides, time, cancellationToken));
    }

    private static Dictionary<string, string> OverrideDetail(SetQuotaOverrideRequest request)
    {
        var detail = new Dictionary<string, string> { ["reason"] = request.Reason!.Trim() };
        void Add(string name, long? value)
        {
            if (value is { } v)
            {
                detail[System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name)] = v.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        Add(nameof(request.DataSourcesPerOrganization), request.DataSourcesPerOrganization);
        Add(nameof(request.KeysListedPerPoll), request.KeysListedPerPoll);
        Add(nameof(request.ManifestBytes), request.ManifestBytes);
        Add(nameof(request.DeliveryBytes), request.DeliveryBytes);
        Add(nameof(request.DeliveryRows), request.DeliveryRows);
        if (request.ExpiresAt is { } expiresAt)
        {
            detail["expiresAt"] = expiresAt.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        }

        return detail;
    }

    private static async Task<IResult> ClearAsync(
        Guid organizationId, DataSourceStore store, QuotaOverrideStore overrides, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!await overrides.OrganizationExistsAsync(organizationId, cancellationToken))
        {
            return NoSuchOrganization(organizationId);
        }

        await overrides.ClearAsync(organizationId, cancellationToken);
        await audit.RecordAsync(new AuditEntry(organizationId, AuditActions.QuotaOverrideCleared, TargetType: "organization", TargetId: organizationId.ToString()), cancellationToken);
        return TypedResults.Ok(await ViewAsync(organizationId, store, overrides, time, cancellationToken));
    }

    private static async Task<OperatorQuotasView> ViewAsync(
        Guid organizationId, DataSourceStore store, QuotaOverrideStore overrides, TimeProvider time, CancellationToken cancellationToken)
    {
        var stored = await overrides.GetAsync(organizationId, cancellationToken);
        var effective = overrides.Effective(stored);
        return new OperatorQuotasView(
            organizationId,
            QuotasView.From(effective, await store.CountAsync(organizationId, cancellationToken)),
            stored is null ? null : new StoredQuotaOverride(stored, effective.InForce is not null));
    }

    private static IResult NoSuchOrganization(Guid organizationId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such organization", detail: $"There is no organization {organizationId}.");
}
