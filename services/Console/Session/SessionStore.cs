using System.Security.Cryptography;
using Dapper;
using DigiUsher.Console.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.Console.Session;

/// <summary>
/// The cookie handler's ticket store: the authentication ticket (claims and the API's access token)
/// lives in <c>console.sessions</c>, encrypted with the shared data-protection keys, and the cookie
/// carries only its id. Every replica reads the same rows; signing out deletes the row, so a copied
/// cookie is worthless afterwards.
/// </summary>
public sealed class SessionStore(NpgsqlDataSource dataSource, IDataProtectionProvider protection, TimeProvider clock) : ITicketStore
{
    private readonly IDataProtector _protector = protection.CreateProtector("DigiUsher.Console.Sessions.v1");

    public static string NewId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var id = ticket.Principal.FindFirst(SessionClaims.Session)?.Value ?? NewId();
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            $"""
            delete from {ConsoleDb.Schema}.sessions where expires_at < now() - interval '1 day';
            insert into {ConsoleDb.Schema}.sessions (id, user_id, ticket, expires_at) values (@id, @userId, @ticket, @expiresAt)
            on conflict (id) do update set ticket = excluded.ticket, expires_at = excluded.expires_at;
            """,
            new { id, userId = UserId(ticket), ticket = Protect(ticket), expiresAt = Expiry(ticket) });
        return id;
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            $"update {ConsoleDb.Schema}.sessions set ticket = @ticket, expires_at = @expiresAt where id = @key",
            new { key, ticket = Protect(ticket), expiresAt = Expiry(ticket) });
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var ticket = await connection.QuerySingleOrDefaultAsync<byte[]>(
            $"select ticket from {ConsoleDb.Schema}.sessions where id = @key and expires_at > @now", new { key, now = clock.GetUtcNow() });
        if (ticket is null)
        {
            return null;
        }

        try
        {
            return TicketSerializer.Default.Deserialize(_protector.Unprotect(ticket));
        }
        catch (CryptographicException)
        {
            // Keys lost or rotated out: the person signs in again.
            return null;
        }
    }

    public async Task RemoveAsync(string key)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync($"delete from {ConsoleDb.Schema}.sessions where id = @key", new { key });
    }

    private byte[] Protect(AuthenticationTicket ticket) => _protector.Protect(TicketSerializer.Default.Serialize(ticket));

    private DateTimeOffset Expiry(AuthenticationTicket ticket) => ticket.Properties.ExpiresUtc ?? clock.GetUtcNow().AddHours(1);

    private static Guid UserId(AuthenticationTicket ticket) =>
        Guid.TryParse(ticket.Principal.FindFirst(DigiUsherClaims.Subject)?.Value, out var id) ? id : Guid.Empty;
}

/// <summary>Points the cookie handler at the Postgres session store.</summary>
public sealed class SessionStoreSetup(SessionStore store) : Microsoft.Extensions.Options.IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions options) => options.SessionStore = store;
}
