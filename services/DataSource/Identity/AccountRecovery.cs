using DigiUsher.DataSource.Audit;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Mail;
using Microsoft.Extensions.Options;

namespace DigiUsher.DataSource.Identity;

/// <summary>
/// Password reset and email verification by mailed one-time codes. A request never says whether the
/// address has an account (the same answer for every address, and no mail for unknown or disabled
/// ones); codes are 256-bit, stored hashed, single use and short-lived; a reset ends every sign-in and
/// token of the user.
/// </summary>
public sealed class AccountRecovery(
    IdentityStore identity,
    AccountCodeStore codes,
    PasswordCheck passwords,
    AuditLog audit,
    IOptions<PasswordResetOptions> reset,
    IOptions<EmailVerificationOptions> verification,
    IOptions<EmailLinkOptions> links,
    TimeProvider time)
{
    public bool VerificationRequired => verification.Value.Required;

    /// <summary>Mails a reset code when the address belongs to a user who can sign in, within the hourly allowance.</summary>
    public async Task RequestResetAsync(string email, CancellationToken cancellationToken)
    {
        if (await identity.FindUserByEmailAsync(email.Trim(), cancellationToken) is not { CanSignIn: true } user)
        {
            return;
        }

        var code = SecretTokens.New("pwr_");
        var expiresAt = time.GetUtcNow() + reset.Value.CodeLifetime;
        var sent = await codes.IssueAsync(user, CodePurpose.PasswordReset, SecretTokens.Hash(code), expiresAt, reset.Value.MailsPerHour,
            AccountMails.PasswordReset(user.Email, code, expiresAt, links.Value.PasswordResetLink), cancellationToken);
        await audit.RecordAsync(new AuditEntry(user.OrganizationId, AuditActions.PasswordResetRequested, sent, "user", user.Id.ToString(),
            sent ? null : new Dictionary<string, string> { ["refused"] = "hourly allowance of reset mails used" }), cancellationToken);
    }

    /// <summary>Sets a new password with a reset code; false when the code is unknown, used or expired.</summary>
    public async Task<bool> ResetPasswordAsync(string code, string newPassword, CancellationToken cancellationToken)
    {
        var codeHash = SecretTokens.Hash(code);
        // A wrong code costs no PBKDF2: only a code that works now gets its password hashed.
        if (!await codes.IsUsableAsync(codeHash, CodePurpose.PasswordReset, cancellationToken))
        {
            return false;
        }

        var user = await codes.ResetPasswordAsync(codeHash, await passwords.HashAsync(newPassword, cancellationToken), time.GetUtcNow(), cancellationToken);
        if (user is not null)
        {
            await audit.RecordAsync(new AuditEntry(user.OrganizationId, AuditActions.PasswordReset, TargetType: "user", TargetId: user.Id.ToString(),
                Actor: AuditActor.User(user.Id, user.Email)), cancellationToken);
        }

        return user is not null;
    }

    /// <summary>Mails a verification code to a user who registered and has not verified the address yet.</summary>
    public async Task RequestVerificationAsync(string email, CancellationToken cancellationToken)
    {
        if (await identity.FindUserByEmailAsync(email.Trim(), cancellationToken) is not { EmailVerifiedAt: null, ActivatedAt: not null, DisabledAt: null } user)
        {
            return;
        }

        var code = SecretTokens.New("evc_");
        var expiresAt = time.GetUtcNow() + verification.Value.CodeLifetime;
        await codes.IssueAsync(user, CodePurpose.EmailVerification, SecretTokens.Hash(code), expiresAt, verification.Value.MailsPerHour,
            AccountMails.EmailVerification(user.Email, code, expiresAt, links.Value.EmailVerificationLink), cancellationToken);
    }

    public async Task<bool> VerifyEmailAsync(string code, CancellationToken cancellationToken)
    {
        var user = await codes.VerifyEmailAsync(SecretTokens.Hash(code), cancellationToken);
        if (user is not null)
        {
            await audit.RecordAsync(new AuditEntry(user.OrganizationId, AuditActions.EmailVerified, TargetType: "user", TargetId: user.Id.ToString(),
                Actor: AuditActor.User(user.Id, user.Email)), cancellationToken);
        }

        return user is not null;
    }
}
