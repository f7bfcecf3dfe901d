using Dapper;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Messaging;
using DigiUsher.ServiceDefaults.Security;
using Npgsql;

namespace DigiUsher.DataSource.Data;

public sealed class UserRow
{
    public Guid Id { get; init; }

    public Guid OrganizationId { get; init; }

    public string Email { get; init; } = string.Empty;

    public string Role { get; init; } = string.Empty;

    public string? PasswordHash { get; init; }

    public DateTimeOffset? InvitationExpiresAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ActivatedAt { get; init; }

    public DateTimeOffset? DisabledAt { get; init; }

    public DateTimeOffset? PasswordChangedAt { get; init; }

    public DateTimeOffset? EmailVerifiedAt { get; init; }

    /// <summary>Signed up or accepted the invitation, and not disabled.</summary>
    public bool CanSignIn => ActivatedAt is not null && DisabledAt is null && PasswordHash is not null;
}

public sealed class ServiceClientRow
{
    public Guid Id { get; init; }

    public Guid OrganizationId { get; init; }

    public string Name { get; init; } = string.Empty;

    public string ClientId { get; init; } = string.Empty;

    public string[] Scopes { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>What an admin does to a user.</summary>
public abstract record UserChange
{
    public sealed record Role(string NewRole) : UserChange;

    public sealed record Disable : UserChange;

    public sealed record Enable : UserChange;

    public sealed record Delete : UserChange;
}

public enum UserChangeOutcome
{
    Done,
    NotFound,

    /// <summary>The change would leave the organization without an active admin.</summary>
    LastAdmin,
}

/// <summary>A secret of a service client (several during a rotation).</summary>
public sealed class ServiceClientSecret
{
    public Guid Id { get; init; }

    public byte[] SecretHash { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>Organizations, users, service clients and login throttling in the <c>datasource</c> schema.</summary>
public sealed class IdentityStore(NpgsqlDataSource dataSource, OutboxWriter outbox)
{
    /// <summary>A revocation is kept longer than any access token lives (at most an hour, plus clock skew).</summary>
    public static readonly TimeSpan RevocationRetention = TimeSpan.FromMinutes(70);

    public const string UserColumns = "id, organization_id, email, role, password_hash, invitation_expires_at, created_at, activated_at, disabled_at, password_changed_at, email_verified_at";

    private const string ServiceClientColumns = "id, organization_id, name, client_id, scopes, created_at, revoked_at";

    static IdentityStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    /// <summary>Creates an organization and its first admin; false when the email is taken.</summary>
    public async Task<bool> RegisterAsync(Guid organizationId, string organizationName, Guid userId, string email, string passwordHash, bool verified, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync($"insert into {DataSourceDb.Schema}.organizations (id, name) values (@organizationId, @organizationName)",
            new { organizationId, organizationName }, transaction);
        var inserted = await connection.ExecuteAsync(
            $"""
            insert into {DataSourceDb.Schema}.users (id, organization_id, email, email_normalized, role, password_hash, activated_at, email_verified_at)
            values (@userId, @organizationId, @email, lower(@email), 'admin', @passwordHash, now(), case when @verified then now() end)
            on conflict (email_normalized) do nothing
            """, new { userId, organizationId, email, passwordHash, verified }, transaction);
        if (inserted == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Creates an invited user; false when the email is taken.</summary>
    public async Task<bool> InviteAsync(Guid organizationId, Guid userId, string email, string role, string invitationHash, DateTimeOffset expiresAt, Guid invitedBy, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"""
            insert into {DataSourceDb.Schema}.users (id, organization_id, email, email_normalized, role, invitation_hash, invitation_expires_at, invited_by)
            values (@userId, @organizationId, @email, lower(@email), @role, @invitationHash, @expiresAt, @invitedBy)
            on conflict (email_normalized) do nothing
            """, new { userId, organizationId, email, role, invitationHash, expiresAt, invitedBy }) == 1;
    }

    /// <summary>Sets the password of the invited user holding this (unexpired) invitation, once.</summary>
    public async Task<UserRow?> AcceptInvitationAsync(string invitationHash, string passwordHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRow>(
            $"""
            update {DataSourceDb.Schema}.users set password_hash = @passwordHash, invitation_hash = null, invitation_expires_at = null, activated_at = now(),
                email_verified_at = coalesce(email_verified_at, now())
            where invitation_hash = @invitationHash and invitation_expires_at > now()
            returning {UserColumns}
            """, new { invitationHash, passwordHash });
    }

    public async Task<UserRow?> FindUserByEmailAsync(string email, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRow>(
            $"select {UserColumns} from {DataSourceDb.Schema}.users where email_normalized = lower(@email)", new { email });
    }

    public async Task<UserRow?> FindUserByIdAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRow>($"select {UserColumns} from {DataSourceDb.Schema}.users where id = @userId", new { userId });
    }

    public async Task<UserRow?> FindUserAsync(Guid organizationId, Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRow>(
            $"select {UserColumns} from {DataSourceDb.Schema}.users where organization_id = @organizationId and id = @userId", new { organizationId, userId });
    }

    /// <summary>A page of the organization's users in creation order, after the keyset <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<UserRow>> ListUsersAsync(Guid organizationId, (DateTimeOffset CreatedAt, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<UserRow>(
            $"""
            select {UserColumns} from {DataSourceDb.Schema}.users
            where organization_id = @organizationId and (@afterAt::timestamptz is null or (created_at, id) > (@afterAt, @afterId))
            order by created_at, id limit @limit
            """, new { organizationId, afterAt = after?.CreatedAt, afterId = after?.Id ?? Guid.Empty, limit })];
    }

    /// <summary>Adds a service client and its first secret; false when the organization already has one of that name.</summary>
    public async Task<bool> AddServiceClientAsync(Guid id, Guid organizationId, string name, string clientId, IReadOnlyList<string> scopes, byte[] secretHash, Guid createdBy, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(
            $"""
            insert into {DataSourceDb.Schema}.service_clients (id, organization_id, name, client_id, scopes, created_by)
            values (@id, @organizationId, @name, @clientId, @scopes, @createdBy)
            on conflict (organization_id, name) do nothing
            """, new { id, organizationId, name, clientId, scopes = scopes.ToArray(), createdBy }, transaction) == 1;
        if (inserted)
        {
            await connection.ExecuteAsync(
                $"insert into {DataSourceDb.Schema}.service_client_secrets (id, client_id, secret_hash) values (@secretId, @id, @secretHash)",
                new { secretId = Guid.CreateVersion7(), id, secretHash }, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    /// <summary>A client by its client id, with the secrets that still work.</summary>
    public async Task<(ServiceClientRow Client, IReadOnlyList<ServiceClientSecret> Secrets)?> FindServiceClientAsync(string clientId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var client = await connection.QuerySingleOrDefaultAsync<ServiceClientRow>(
            $"select {ServiceClientColumns} from {DataSourceDb.Schema}.service_clients where client_id = @clientId", new { clientId });
        if (client is null)
        {
            return null;
        }

        var secrets = await connection.QueryAsync<ServiceClientSecret>(
            $"""
            select id, secret_hash, created_at, expires_at from {DataSourceDb.Schema}.service_client_secrets
            where client_id = @Id and (expires_at is null or expires_at > now()) order by created_at desc
            """, client);
        return (client, secrets.ToList());
    }

    /// <summary>A page of the organization's service clients in creation order, after the keyset <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<ServiceClientRow>> ListServiceClientsAsync(
        Guid organizationId, (DateTimeOffset CreatedAt, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<ServiceClientRow>(
            $"""
            select {ServiceClientColumns} from {DataSourceDb.Schema}.service_clients
            where organization_id = @organizationId and (@afterAt::timestamptz is null or (created_at, id) > (@afterAt, @afterId))
            order by created_at, id limit @limit
            """, new { organizationId, afterAt = after?.CreatedAt, afterId = after?.Id ?? Guid.Empty, limit })];
    }

    public async Task<ServiceClientRow?> GetServiceClientAsync(Guid organizationId, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ServiceClientRow>(
            $"select {ServiceClientColumns} from {DataSourceDb.Schema}.service_clients where organization_id = @organizationId and id = @id",
            new { organizationId, id });
    }

    /// <summary>
    /// A new secret for a live client; the older ones keep working until <paramref name="previousExpireAt"/>
    /// (the overlap the client's deployments need to switch). False when the client is unknown or revoked.
    /// </summary>
    public async Task<bool> RotateServiceClientSecretAsync(Guid organizationId, Guid id, byte[] secretHash, DateTimeOffset previousExpireAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var live = await connection.ExecuteScalarAsync<bool>(
            $"select exists (select 1 from {DataSourceDb.Schema}.service_clients where organization_id = @organizationId and id = @id and revoked_at is null for update)",
            new { organizationId, id }, transaction);
        if (!live)
        {
            return false;
        }

        await connection.ExecuteAsync(
            $"""
            update {DataSourceDb.Schema}.service_client_secrets set expires_at = least(coalesce(expires_at, @previousExpireAt), @previousExpireAt) where client_id = @id;
            insert into {DataSourceDb.Schema}.service_client_secrets (id, client_id, secret_hash) values (@secretId, @id, @secretHash);
            """, new { id, previousExpireAt, secretId = Guid.CreateVersion7(), secretHash }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Revokes a client: no new tokens, and its tokens refused within seconds (a revocation every API reads).</summary>
    public async Task<bool> RevokeServiceClientAsync(Guid organizationId, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var revoked = await connection.ExecuteAsync(
            $"update {DataSourceDb.Schema}.service_clients set revoked_at = coalesce(revoked_at, now()) where organization_id = @organizationId and id = @id",
            new { organizationId, id }, transaction) == 1;
        if (revoked)
        {
            await RevokeTokensAsync(connection, transaction, organizationId, id.ToString(), now);
        }

        await transaction.CommitAsync(cancellationToken);
        return revoked;
    }

    /// <summary>
    /// Changes a user's role or disables/enables them, or deletes them, and voids their tokens and
    /// sign-ins in the same transaction. Refuses to leave the organization without an active admin.
    /// </summary>
    public async Task<UserChangeOutcome> ChangeUserAsync(Guid organizationId, Guid userId, UserChange change, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One change per organization at a time: the "last admin" rule reads what the others write.
        await connection.ExecuteAsync($"select 1 from {DataSourceDb.Schema}.organizations where id = @organizationId for update", new { organizationId }, transaction);
        var user = await connection.QuerySingleOrDefaultAsync<UserRow>(
            $"select {UserColumns} from {DataSourceDb.Schema}.users where organization_id = @organizationId and id = @userId", new { organizationId, userId }, transaction);
        if (user is null)
        {
            return UserChangeOutcome.NotFound;
        }

        var staysActiveAdmin = change switch
        {
            UserChange.Role r => r.NewRole == DigiUsherClaims.AdminRole && user.DisabledAt is null,
            UserChange.Disable or UserChange.Delete => false,
            _ => true,
        };
        if (user.Role == DigiUsherClaims.AdminRole && user.DisabledAt is null && !staysActiveAdmin)
        {
            var otherAdmins = await connection.ExecuteScalarAsync<long>(
                $"""
                select count(*) from {DataSourceDb.Schema}.users where organization_id = @organizationId and id <> @userId
                and role = 'admin' and disabled_at is null and activated_at is not null
                """, new { organizationId, userId }, transaction);
            if (otherAdmins == 0)
            {
                return UserChangeOutcome.LastAdmin;
            }
        }

        var sql = change switch
        {
            UserChange.Role => $"update {DataSourceDb.Schema}.users set role = @role where id = @userId",
            UserChange.Disable => $"update {DataSourceDb.Schema}.users set disabled_at = coalesce(disabled_at, now()) where id = @userId",
            UserChange.Enable => $"update {DataSourceDb.Schema}.users set disabled_at = null where id = @userId",
            _ => $"delete from {DataSourceDb.Schema}.users where id = @userId",
        };
        await connection.ExecuteAsync(sql, new { userId, role = (change as UserChange.Role)?.NewRole }, transaction);
        if (change is not UserChange.Enable)
        {
            await TokenStore.RevokeUserAsync(connection, transaction, userId);
            await RevokeTokensAsync(connection, transaction, organizationId, userId.ToString(), now);
        }

        await transaction.CommitAsync(cancellationToken);
        return UserChangeOutcome.Done;
    }

    /// <summary>Sets a new password hash, ends every sign-in and voids every token of the user.</summary>
    public async Task SetPasswordAsync(Guid organizationId, Guid userId, string passwordHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"update {DataSourceDb.Schema}.users set password_hash = @passwordHash, password_changed_at = now() where id = @userId and organization_id = @organizationId",
            new { passwordHash, userId, organizationId }, transaction);
        await TokenStore.RevokeUserAsync(connection, transaction, userId);
        await RevokeTokensAsync(connection, transaction, organizationId, userId.ToString(), now);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Voids the subject's access tokens issued so far: here at once, in every other API through <see cref="TokensRevoked"/>.</summary>
    public async Task RevokeTokensAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid organizationId, string subject, DateTimeOffset now)
    {
        var revoked = new TokensRevoked(organizationId, subject, now, now + RevocationRetention, $"{subject}:revoked:{now.ToUnixTimeMilliseconds()}");
        await RevocationList.WriteAsync(connection, transaction, DataSourceDb.Schema, revoked);
        await outbox.AddAsync(connection, transaction, revoked, MessageIds.Sha256NameBased("digiusher:datasource:" + revoked.IdempotencyKey));
    }

    /// <summary>When the login is locked, how long it stays locked.</summary>
    public async Task<TimeSpan?> LockedForAsync(string throttleKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var seconds = await connection.ExecuteScalarAsync<double?>(
            $"select extract(epoch from locked_until - now())::float8 from {DataSourceDb.Schema}.login_failures where throttle_key = @throttleKey and locked_until > now()",
            new { throttleKey });
        return seconds is { } s ? TimeSpan.FromSeconds(Math.Ceiling(s)) : null;
    }

    /// <summary>Counts a failure in a sliding window; at <paramref name="maxFailures"/> the login is locked for <paramref name="lockout"/>.</summary>
    public async Task RecordFailureAsync(string throttleKey, int maxFailures, TimeSpan window, TimeSpan lockout, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            insert into {DataSourceDb.Schema}.login_failures as f (throttle_key, failures, first_failure_at) values (@throttleKey, 1, now())
            on conflict (throttle_key) do update set
                failures = case when f.first_failure_at < now() - @window then 1 else f.failures + 1 end,
                first_failure_at = case when f.first_failure_at < now() - @window then now() else f.first_failure_at end;
            update {DataSourceDb.Schema}.login_failures set locked_until = now() + @lockout, failures = 0, first_failure_at = now()
            where throttle_key = @throttleKey and failures >= @maxFailures;
            """, new { throttleKey, maxFailures, window, lockout });
    }

    public async Task ClearFailuresAsync(string throttleKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync($"delete from {DataSourceDb.Schema}.login_failures where throttle_key = @throttleKey", new { throttleKey });
    }

    /// <summary>Whether the user of this login signed in successfully from this address within <paramref name="within"/>.</summary>
    public async Task<bool> SignedInFromAsync(string email, string address, TimeSpan within, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(
            $"""
            select exists (
                select 1 from {DataSourceDb.Schema}.sign_in_addresses a join {DataSourceDb.Schema}.users u on u.id = a.user_id
                where u.email_normalized = lower(@email) and a.address = @address and a.last_signed_in_at > now() - @within)
            """, new { email, address, within });
    }

    /// <summary>Remembers a successful sign-in's address, and forgets the user's addresses older than <paramref name="keep"/>.</summary>
    public async Task RememberSignInAddressAsync(Guid userId, string address, TimeSpan keep, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            insert into {DataSourceDb.Schema}.sign_in_addresses (user_id, address, last_signed_in_at) values (@userId, @address, now())
            on conflict (user_id, address) do update set last_signed_in_at = excluded.last_signed_in_at;
            delete from {DataSourceDb.Schema}.sign_in_addresses where user_id = @userId and last_signed_in_at < now() - @keep;
            """, new { userId, address, keep });
    }
}
