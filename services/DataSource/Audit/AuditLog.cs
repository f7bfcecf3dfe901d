using System.Security.Claims;
using System.Text.Json;
using Dapper;
using DigiUsher.DataSource.Data;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;
using Npgsql;

namespace DigiUsher.DataSource.Audit;

/// <summary>Who acted: a user, a service client, someone not signed in, or DigiUsher itself.</summary>
public sealed record AuditActor(string Type, string? Id, string? Email)
{
    public const string UserType = "user";
    public const string ServiceClientType = "service-client";
    public const string AnonymousType = "anonymous";
    public const string SystemType = "system";

    /// <summary>One of DigiUsher's own identities used by its operators (the admin CLI: quota overrides, re-keying).</summary>
    public const string OperatorType = "operator";

    public static AuditActor User(Guid id, string email) => new(UserType, id.ToString(), email);

    public static AuditActor ServiceClient(Guid id) => new(ServiceClientType, id.ToString(), null);
}

/// <summary>One thing done in an organization, for its audit log.</summary>
/// <param name="OrganizationId">The organization it happened in.</param>
/// <param name="Action">What, as <c>area.verb</c> (see <see cref="AuditActions"/>).</param>
/// <param name="Succeeded">False for refused attempts (a failed sign-in).</param>
/// <param name="TargetType">The kind of thing acted on (<c>user</c>, <c>data-source</c>, ...).</param>
/// <param name="TargetId">Its id.</param>
/// <param name="Detail">A few facts (a role change's old and new role); never a secret.</param>
/// <param name="Actor">Who, when not the request's caller.</param>
public sealed record AuditEntry(
    Guid OrganizationId,
    string Action,
    bool Succeeded = true,
    string? TargetType = null,
    string? TargetId = null,
    IReadOnlyDictionary<string, string>? Detail = null,
    AuditActor? Actor = null);

/// <summary>The actions the audit log records.</summary>
public static class AuditActions
{
    public const string OrganizationRegistered = "organization.registered";
    public const string OrganizationDeleted = "organization.deleted";
    public const string SignedIn = "user.signed-in";
    public const string SignInFailed = "user.sign-in-failed";
    public const string UserInvited = "user.invited";
    public const string InvitationAccepted = "user.invitation-accepted";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string UserDeleted = "user.deleted";
    public const string RoleChanged = "user.role-changed";
    public const string PasswordChanged = "user.password-changed";
    public const string PasswordResetRequested = "user.password-reset-requested";
    public const string PasswordReset = "user.password-reset";
    public const string EmailVerified = "user.email-verified";
    public const string DataSourceConnected = "data-source.connected";
    public const string DataSourceUpdated = "data-source.updated";
    public const string DataSourceCredentialsRotated = "data-source.credentials-rotated";
    public const string DataSourceRemoved = "data-source.removed";
    public const string ServiceClientCreated = "service-client.created";
    public const string ServiceClientSecretRotated = "service-client.secret-rotated";
    public const string ServiceClientRevoked = "service-client.revoked";
    public const string ServiceClientSignInFailed = "service-client.sign-in-failed";
    public const string QuotasOverridden = "organization.quotas-overridden";
    public const string QuotaOverrideCleared = "organization.quota-override-cleared";
}

/// <summary>
/// Writes the audit log (<c>datasource.audit_events</c>). The actor, client address and correlation id
/// come from the current request unless the entry names its actor (a sign-in knows its user before
/// any token exists).
/// </summary>
public sealed class AuditLog(NpgsqlDataSource dataSource, IHttpContextAccessor http)
{
    public async Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await WriteAsync(connection, null, entry);
    }

    /// <summary>Records in the caller's transaction: the entry exists exactly when the change does.</summary>
    public Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, AuditEntry entry)
    {
        var context = http.HttpContext;
        var actor = entry.Actor ?? ActorOf(context?.User);
        return connection.ExecuteAsync(
            $"""
            insert into {DataSourceDb.Schema}.audit_events
                (id, organization_id, actor_type, actor_id, actor_email, action, outcome, target_type, target_id, client_address, correlation_id, detail)
            values (@id, @OrganizationId, @actorType, @actorId, @actorEmail, @Action, @outcome, @TargetType, @TargetId, @address, @correlationId, @detail::jsonb)
            """,
            new
            {
                id = Guid.CreateVersion7(),
                entry.OrganizationId,
                actorType = actor.Type,
                actorId = actor.Id,
                actorEmail = actor.Email,
                entry.Action,
                outcome = entry.Succeeded ? "succeeded" : "failed",
                entry.TargetType,
                entry.TargetId,
                address = context?.Connection.RemoteIpAddress?.ToString(),
                correlationId = context?.Response.Headers[CorrelationIdMiddleware.HeaderName].ToString() is { Length: > 0 } c ? c : null,
                detail = entry.Detail is null ? null : JsonSerializer.Serialize(entry.Detail),
            },
            transaction);
    }

    public static AuditActor ActorOf(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return new AuditActor(AuditActor.AnonymousType, null, null);
        }

        var subject = user.FindFirstValue(DigiUsherClaims.Subject);
        if (user.FindFirstValue(DigiUsherClaims.Role) == DigiUsherClaims.InternalRole)
        {
            return new AuditActor(AuditActor.OperatorType, subject, null);
        }

        return user.IsServiceClient()
            ? new AuditActor(AuditActor.ServiceClientType, subject, null)
            : new AuditActor(AuditActor.UserType, subject, user.FindFirstValue(DigiUsherClaims.Email));
    }
}
