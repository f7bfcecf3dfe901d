using System.ComponentModel.DataAnnotations;

namespace DigiUsher.DataSource.Identity;

/// <summary>Section <c>Auth:PasswordReset</c>: the codes mailed to reset a forgotten password.</summary>
public sealed class PasswordResetOptions
{
    public const string Section = "Auth:PasswordReset";

    /// <summary>How long a reset code works (single use).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Reset mails one account receives per hour; more requests get the same answer and no mail.</summary>
    [Range(1, 100)]
    public int MailsPerHour { get; set; } = 3;
}

/// <summary>Section <c>Auth:EmailVerification</c>: optional proof that a self-registered user owns the address.</summary>
public sealed class EmailVerificationOptions
{
    public const string Section = "Auth:EmailVerification";

    /// <summary>
    /// When on, registering mails a verification code and the account cannot sign in before it is used.
    /// Invited users are verified by their admin's invitation.
    /// </summary>
    public bool Required { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromHours(24);

    [Range(1, 100)]
    public int MailsPerHour { get; set; } = 3;
}

/// <summary>Section <c>Auth:Registration</c>: whether anyone may create an organization.</summary>
public sealed class RegistrationOptions
{
    public const string Section = "Auth:Registration";

    /// <summary>
    /// Invite-only: <c>POST /api/v1/auth/register</c> is refused (403) and people join only by an admin's
    /// invitation (the deployment's operators create organizations' first admins).
    /// </summary>
    public bool InviteOnly { get; set; }
}
