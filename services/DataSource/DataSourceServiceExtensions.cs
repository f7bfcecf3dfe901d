using DigiUsher.Aws;
using DigiUsher.Aws.CloudWatch;
using DigiUsher.Aws.CostAndUsageReport;
using DigiUsher.Aws.IdentityManagement;
using DigiUsher.Aws.Organizations;
using DigiUsher.DataSource.Apis;
using DigiUsher.DataSource.Audit;
using DigiUsher.DataSource.Connections;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.DataSources;
using DigiUsher.DataSource.Identity;
using DigiUsher.DataSource.Mail;
using DigiUsher.DataSource.Secrets;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.DataSource.Tokens;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.DataSource;

public static class DataSourceServiceExtensions
{
    public static WebApplicationBuilder AddDataSourceServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<EncryptionKeyOptions>().BindConfiguration(EncryptionKeyOptions.Section)
            .Validate(o => { SecretCipher.Validate(o); return true; }).ValidateOnStart();
        var production = builder.Environment.IsProduction();
        services.AddOptions<RoleAssumptionOptions>().BindConfiguration(RoleAssumptionOptions.Section)
            .Validate(o => o.RequireExternalIdCondition || !production, "RoleAssumption:RequireExternalIdCondition may be off only outside Production (an STS that does not enforce trust policies, such as moto).")
            .ValidateOnStart();
        services.AddOptions<Consumers.CredentialRequesterOptions>().BindConfiguration(Consumers.CredentialRequesterOptions.Section);
        services.AddSingleton<SecretCipher>();
        services.AddSingleton<SecretRekeyer>();
        services.AddSignInRateLimits();
        services.AddTenantRateLimits();

        // DataSource owns the credentials: it reads them from its own tables, not over the bus.
        services.AddDigiUsherAws(credentialsFromDataSource: false);
        services.AddCostAndUsageReportClient();
        services.AddIdentityManagementClient();
        services.AddCloudWatchClient();
        services.AddOrganizationsClient();

        services.AddSingleton<IdentityStore>();
        services.AddSingleton<DataSourceStore>();
        services.AddSingleton<QuotaOverrideStore>();
        services.AddSingleton<ExternalIdStore>();
        services.AddSingleton<StatusStore>();
        services.AddOptions<IssuerOptions>().BindConfiguration(IssuerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SigningKeyOptions>().BindConfiguration(SigningKeyOptions.Section);
        services.AddOptions<PasswordHashingOptions>().BindConfiguration(PasswordHashingOptions.Section);
        services.AddOptions<SignInProtectionOptions>().BindConfiguration(SignInProtectionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<ILocalSigningKeys>(sp => sp.GetRequiredService<SigningKeyRing>());
        services.AddHostedService<SigningKeyRotation>();
        services.AddSingleton<AccessTokenIssuer>();
        services.AddSingleton<TokenStore>();
        services.AddSingleton<TokenExchange>();
        services.AddSingleton<PasswordCheck>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<CredentialResolver>();
        services.AddSingleton<ConnectionValidator>();
        services.AddSingleton<MemberAccountRoles>();
        services.AddSingleton<DataSourceCredentialsReader>();
        services.AddSingleton<DataSourceConnector>();
        services.AddSingleton<CursorCodec>();
        services.AddHttpContextAccessor();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditStore>();
        services.AddSingleton<OrganizationStore>();
        services.AddAccountMail();
        return builder;
    }

    /// <summary>Password reset, email verification, invite-only registration and the SMTP sender of their mails.</summary>
    private static void AddAccountMail(this IServiceCollection services)
    {
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.Section).ValidateDataAnnotations()
            .Validate(o => !o.Configured || !string.IsNullOrWhiteSpace(o.From), "Email:Smtp:From is required when Email:Smtp:Host is set.")
            .ValidateOnStart();
        services.AddOptions<EmailLinkOptions>().BindConfiguration(EmailLinkOptions.Section);
        services.AddOptions<PasswordResetOptions>().BindConfiguration(PasswordResetOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EmailVerificationOptions>().BindConfiguration(EmailVerificationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RegistrationOptions>().BindConfiguration(RegistrationOptions.Section);
        services.AddSingleton<MailStore>();
        services.AddSingleton<AccountCodeStore>();
        services.AddSingleton<AccountRecovery>();
        services.AddHostedService<EmailOutboxSender>();
    }

    public static WebApplication MapDataSourceApis(this WebApplication app)
    {
        app.MapConnectApi();
        app.MapAuthApi();
        app.MapAccountRecoveryApi();
        app.MapAuditApi();
        app.MapOrganizationsApi();
        app.MapUsersApi();
        app.MapServiceClientsApi();
        app.MapDataSourcesApi();
        app.MapAwsSetupApi();
        app.MapQuotasApi();
        app.MapAdminApi();
        return app;
    }
}
