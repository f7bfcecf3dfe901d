namespace DigiUsher.DataSource.Identity;

/// <summary>Body of <c>POST /api/v1/auth/register</c>.</summary>
public sealed class RegisterRequest
{
    public string? Email { get; init; }

    /// <summary>12 to 128 characters.</summary>
    public string? Password { get; init; }

    public string? OrganizationName { get; init; }
}

/// <summary>The new organization and its first admin.</summary>
public sealed record Registered(Guid OrganizationId, Guid UserId, string Email, string Role);

/// <summary>Body of <c>POST /api/v1/auth/token</c>: a user's email and password, or a service client's id and secret.</summary>
public sealed class TokenRequest
{
    public string? Email { get; init; }

    public string? Password { get; init; }

    public string? ClientId { get; init; }

    public string? ClientSecret { get; init; }
}

/// <summary>Body of <c>POST /api/v1/auth/invitations/accept</c>.</summary>
public sealed class AcceptInvitationRequest
{
    public string? InvitationCode { get; init; }

    public string? Password { get; init; }
}

/// <summary>Body of <c>POST /api/v1/users</c>.</summary>
public sealed class InviteUserRequest
{
    public string? Email { get; init; }

    /// <summary><c>admin</c> or <c>member</c>.</summary>
    public string? Role { get; init; }
}

/// <summary>Body of <c>PATCH /api/v1/users/{id}</c>.</summary>
public sealed class ChangeRoleRequest
{
    /// <summary><c>admin</c> or <c>member</c>.</summary>
    public string? Role { get; init; }
}

/// <summary>Body of <c>POST /api/v1/users/me/password</c>.</summary>
public sealed class ChangePasswordRequest
{
    public string? CurrentPassword { get; init; }

    /// <summary>12 to 128 characters.</summary>
    public string? NewPassword { get; init; }
}

/// <summary>An invited user and the one-time code they set their password with (shown once).</summary>
public sealed record Invitation(Guid UserId, string Email, string Role, string InvitationCode, DateTimeOffset ExpiresAt);

/// <summary>A user of the organization.</summary>
public sealed record UserView(Guid Id, string Email, string Role, string Status, DateTimeOffset CreatedAt);

/// <summary>Body of <c>POST /api/v1/service-clients</c>.</summary>
public sealed class CreateServiceClientRequest
{
    public string? Name { get; init; }

    /// <summary>What the client may read or do, e.g. <c>["costs:read"]</c>; see the scopes in the README.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }
}

/// <summary>Body of <c>POST /api/v1/service-clients/{id}/secrets</c>.</summary>
public sealed class RotateServiceClientSecretRequest
{
    /// <summary>How long the older secrets keep working (0 to 168 hours, default 24): time for the client's deployments to switch.</summary>
    public int? OverlapHours { get; init; }
}

/// <summary>The answer of <c>POST /api/v1/auth/token</c> (deprecated: <c>/connect/token</c> answers RFC 6749's shape).</summary>
/// <param name="AccessToken">Bearer JWT.</param>
/// <param name="TokenType">Always <c>Bearer</c>.</param>
/// <param name="ExpiresIn">Lifetime in seconds.</param>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

/// <summary>A new service client; <see cref="ClientSecret"/> is shown this once and never again.</summary>
public sealed record ServiceClientCreated(Guid Id, string Name, string ClientId, string ClientSecret, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt);

/// <summary>A new secret of a service client (shown once) and until when the older ones work.</summary>
public sealed record ServiceClientSecretRotated(Guid Id, string ClientId, string ClientSecret, DateTimeOffset PreviousSecretsExpireAt);

/// <summary>A service client (never its secret).</summary>
public sealed record ServiceClientView(Guid Id, string Name, string ClientId, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>Body of <c>POST /api/v1/auth/password-reset</c> and <c>POST /api/v1/auth/email-verification</c>.</summary>
public sealed class AccountMailRequest
{
    public string? Email { get; init; }
}

/// <summary>The answer to a mail request: the same for every address, so it does not tell who has an account.</summary>
public sealed record AccountMailAccepted(string Message);

/// <summary>Body of <c>POST /api/v1/auth/password-reset/confirm</c>.</summary>
public sealed class ConfirmPasswordResetRequest
{
    /// <summary>The code from the mail.</summary>
    public string? Code { get; init; }

    /// <summary>12 to 128 characters.</summary>
    public string? NewPassword { get; init; }
}

/// <summary>Body of <c>POST /api/v1/auth/email-verification/confirm</c>.</summary>
public sealed class ConfirmEmailVerificationRequest
{
    /// <summary>The code from the mail.</summary>
    public string? Code { get; init; }
}
