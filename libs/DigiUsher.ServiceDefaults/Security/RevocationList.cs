using System.Collections.Frozen;
using System.Security.Claims;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DigiUsher.ServiceDefaults.Security;

/// <summary>
/// The subjects whose earlier tokens are void, read from the service's own <c>revoked_tokens</c>
/// table every <see cref="RefreshInterval"/>, so every replica refuses a revoked token within
/// seconds of the <see cref="TokensRevoked"/> event (DataSource writes its own table directly).
/// A database outage keeps the last list: the service is unready then anyway.
/// </summary>
public sealed partial class RevocationList(NpgsqlDataSource dataSource, DigiUsherService service, ILogger<RevocationList> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(10);

    private volatile FrozenDictionary<string, long> _revokedBefore = FrozenDictionary<string, long>.Empty;

    /// <summary>
    /// Whether the token was issued before its subject's revocation. <c>iat</c> has whole seconds, so every
    /// token of the revocation's own second is refused too: nothing issued before a revocation survives it
    /// (a sign-in within that same second must be repeated).
    /// </summary>
    public bool IsRevoked(ClaimsPrincipal principal)
    {
        var subject = principal.FindFirstValue(DigiUsherClaims.Subject);
        return subject is not null
            && _revokedBefore.TryGetValue(subject, out var before)
            && (!long.TryParse(principal.FindFirstValue(DigiUsherClaims.IssuedAt), out var issuedAt) || issuedAt < before);
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Subject, DateTimeOffset RevokedBefore)>(
            $"select subject, revoked_before from {service.Schema}.revoked_tokens where expires_at > now()");
        _revokedBefore = rows.ToFrozenDictionary(r => r.Subject, r => (long)Math.Ceiling(r.RevokedBefore.ToUnixTimeMilliseconds() / 1000.0), StringComparer.Ordinal);
    }

    /// <summary>Records a revocation (newest wins) in <paramref name="connection"/>'s transaction.</summary>
    public static Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, TokensRevoked revoked) =>
        connection.ExecuteAsync(
            $"""
            insert into {schema}.revoked_tokens as r (subject, revoked_before, expires_at) values (@Subject, @RevokedBefore, @ExpiresAt)
            on conflict (subject) do update set revoked_before = greatest(r.revoked_before, excluded.revoked_before),
                                                expires_at = greatest(r.expires_at, excluded.expires_at);
            delete from {schema}.revoked_tokens where expires_at < now() - interval '1 hour';
            """, revoked, transaction);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogRefreshFailed(logger, ex);
            }

            try
            {
                await Task.Delay(RefreshInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the revoked tokens; the last list stays in force")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}

/// <summary>Stores a revocation in this service's table; every replica reads it within <see cref="RevocationList.RefreshInterval"/>.</summary>
public sealed class TokensRevokedConsumer(NpgsqlDataSource dataSource, DigiUsherService service, RevocationList list) : IConsumer<TokensRevoked>
{
    public async Task Consume(ConsumeContext<TokensRevoked> context)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(context.CancellationToken))
        {
            await RevocationList.WriteAsync(connection, null, service.Schema, context.Message);
        }

        await list.RefreshAsync(context.CancellationToken);
    }
}

public sealed class TokensRevokedConsumerDefinition : RetryingConsumerDefinition<TokensRevokedConsumer>;

/// <summary>The token's subject was revoked after the token was issued.</summary>
public sealed class SecurityTokenRevokedException(string message) : Microsoft.IdentityModel.Tokens.SecurityTokenValidationException(message);
