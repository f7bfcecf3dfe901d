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

/// <summary>An invited user and the one-time code they set their password with (shown once).</summary>
public sealed record Invitation(Guid UserId, string Email, string Role, string InvitationCode, DateTimeOffset ExpiresAt);

/// <summary>A user of the organization.</summary>
public sealed record UserView(Guid Id, string Email, string Role, string Status, DateTimeOffset CreatedAt);

/// <summary>Body of <c>POST /api/v1/service-clients</c>.</summary>
public sealed class CreateServiceClientRequest
{
    public string? Name { get; init; }
}

/// <summary>A new service client; <see cref="ClientSecret"/> is shown this once and never again.</summary>
public sealed record ServiceClientCreated(Guid Id, string Name, string ClientId, string ClientSecret, DateTimeOffset CreatedAt);

/// <summary>A service client (never its secret).</summary>
public sealed record ServiceClientView(Guid Id, string Name, string ClientId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
