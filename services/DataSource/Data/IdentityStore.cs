using Dapper;
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
}

public sealed class ServiceClientRow
{
    public Guid Id { get; init; }

    public Guid OrganizationId { get; init; }

    public string Name { get; init; } = string.Empty;

    public string ClientId { get; init; } = string.Empty;

    public byte[] SecretHash { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>Organizations, users, service clients and login throttling in the <c>datasource</c> schema.</summary>
public sealed class IdentityStore(NpgsqlDataSource dataSource)
{
    private const string UserColumns = "id, organization_id, email, role, password_hash, invitation_expires_at, created_at, activated_at";

    private const string ServiceClientColumns = "id, organization_id, name, client_id, secret_hash, created_at, revoked_at";

    static IdentityStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    /// <summary>Creates an organization and its first admin; false when the email is taken.</summary>
    public async Task<bool> RegisterAsync(Guid organizationId, string organizationName, Guid userId, string email, string passwordHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync($"insert into {DataSourceDb.Schema}.organizations (id, name) values (@organizationId, @organizationName)",
            new { organizationId, organizationName }, transaction);
        var inserted = await connection.ExecuteAsync(
            $"""
            insert into {DataSourceDb.Schema}.users (id, organization_id, email, email_normalized, role, password_hash, activated_at)
            values (@userId, @organizationId, @email, lower(@email), 'admin', @passwordHash, now())
            on conflict (email_normalized) do nothing
            """, new { userId, organizationId, email, passwordHash }, transaction);
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
            update {DataSourceDb.Schema}.users set password_hash = @passwordHash, invitation_hash = null, invitation_expires_at = null, activated_at = now()
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

    /// <summary>Adds a service client; false when the organization already has one of that name.</summary>
    public async Task<bool> AddServiceClientAsync(Guid id, Guid organizationId, string name, string clientId, byte[] secretHash, Guid createdBy, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"""
            insert into {DataSourceDb.Schema}.service_clients (id, organization_id, name, client_id, secret_hash, created_by)
            values (@id, @organizationId, @name, @clientId, @secretHash, @createdBy)
            on conflict (organization_id, name) do nothing
            """, new { id, organizationId, name, clientId, secretHash, createdBy }) == 1;
    }

    public async Task<ServiceClientRow?> FindServiceClientAsync(string clientId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ServiceClientRow>(
            $"select {ServiceClientColumns} from {DataSourceDb.Schema}.service_clients where client_id = @clientId",
            new { clientId });
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

    public async Task<bool> RevokeServiceClientAsync(Guid organizationId, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"update {DataSourceDb.Schema}.service_clients set revoked_at = coalesce(revoked_at, now()) where organization_id = @organizationId and id = @id",
            new { organizationId, id }) == 1;
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
}
