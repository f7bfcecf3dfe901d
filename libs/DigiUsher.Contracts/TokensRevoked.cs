using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// Every access token of a subject issued before <see cref="RevokedBefore"/> is void: its user was
/// disabled, deleted, given another role or changed password, or its service client was revoked.
/// Every API keeps these until <see cref="ExpiresAt"/> (when the last such token expires anyway).
/// </summary>
/// <param name="OrganizationId">The subject's organization.</param>
/// <param name="Subject">The token's <c>sub</c>: a user's or a service client's id.</param>
/// <param name="RevokedBefore">Tokens issued (<c>iat_ms</c>, or <c>iat</c> for tokens without it) before this instant are refused.</param>
/// <param name="ExpiresAt">After this no token of before <see cref="RevokedBefore"/> is still valid.</param>
/// <param name="IdempotencyKey">Deterministic key of this revocation.</param>
[MessageUrn("digiusher:datasource:tokens-revoked:v1")]
public sealed record TokensRevoked(
    Guid OrganizationId,
    string Subject,
    DateTimeOffset RevokedBefore,
    DateTimeOffset ExpiresAt,
    string IdempotencyKey);
