using System.Text.Json;
using Bunit;
using DigiUsher.Client.DataSource;
using DigiUsher.Console.Apis;
using DigiUsher.Console.Components.Shared;
using DigiUsher.Console.Connections;
using DigiUsher.Console.Costs;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Radzen;

namespace DigiUsher.Console.Tests;

/// <summary>The console's components with logic, rendered by bUnit (no browser).</summary>
public class ComponentTests : IDisposable
{
    private readonly BunitContext _context = new();
    private readonly SetupOnlyDataSources _dataSources = new();

    public ComponentTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        // Radzen's chart measures itself in the browser; here it is a laptop-sized box.
        _context.JSInterop.Setup<Radzen.Blazor.Rendering.Rect>("Radzen.createChart", _ => true).SetResult(new Radzen.Blazor.Rendering.Rect { Width = 800, Height = 280 });
        _context.Services.AddRadzenComponents();
        _context.Services.AddSingleton<IDataSourcesApi>(_dataSources);
        _context.Services.AddSingleton(TimeProvider.System);
        _context.Services.AddDataProtection();
        _context.Services.AddSingleton(sp => new ProtectedSessionStorage(sp.GetRequiredService<Microsoft.JSInterop.IJSRuntime>(), sp.GetRequiredService<IDataProtectionProvider>()));
    }

    [Fact]
    public void DataSourceForm_WhenTheRoleIsChosen_ShowsTheIssuedExternalIdThePrincipalAndTheTrustPolicyToCopy()
    {
        var copy = _context.JSInterop.Setup<bool>("digiusher.copy", _ => true).SetResult(true);
        var form = _context.Render<DataSourceForm>();

        form.Find("#auth-role").Change(true);

        form.WaitForElement("[data-testid=trust-policy]");
        Assert.Equal("digiusher-0123456789abcdef", form.Find("[data-testid=external-id]").GetAttribute("value"));
        Assert.True(form.Find("[data-testid=external-id]").HasAttribute("readonly"));
        Assert.Equal("arn:aws:iam::111122223333:role/digiusher", form.Find("[data-testid=principal-arn]").TextContent);
        var trust = JsonDocument.Parse(form.Find("[data-testid=trust-policy]").TextContent).RootElement.GetProperty("Statement")[0];
        Assert.Equal("digiusher-0123456789abcdef", trust.GetProperty("Condition").GetProperty("StringEquals").GetProperty("sts:ExternalId").GetString());
        form.FindAll("button").First(b => b.TextContent == "Copy").Click();
        Assert.Equal(form.Find("[data-testid=trust-policy]").TextContent, Assert.Single(copy.Invocations).Arguments[0] as string);
    }

    [Fact]
    public void DataSourceForm_WhenAMemberAccountRoleIsTyped_ConnectsTheRootWithItAndSaysWhatTheMemberRolesMustTrust()
    {
        _dataSources.OnCreate = request => Checked(Source(request.Name!, "aws-root"));
        var form = _context.Render<DataSourceForm>();
        form.Find("#auth-role").Change(true);
        form.WaitForElement("[data-testid=trust-policy]");
        form.Find("#role-arn").Change("arn:aws:iam::123456789012:role/digiusher-payer");
        form.Find("#bucket").Input("acme-billing");
        Assert.Empty(form.FindAll("[data-testid=member-role-trust]"));

        form.Find("#member-account-role").Input(" DigiUsherDiscovery ");

        // What each member account's role must trust is the root's own sign-in: its role, with the external id DataSource issued.
        Assert.Contains("arn:aws:iam::123456789012:role/digiusher-payer", form.Find("[data-testid=member-role-principal]").TextContent, StringComparison.Ordinal);
        Assert.Equal("digiusher-0123456789abcdef", form.Find("[data-testid=member-role-external-id]").TextContent);
        Assert.Contains("DigiUsherDiscovery", form.Find("[data-testid=member-role-trust]").TextContent, StringComparison.Ordinal);
        form.Find("[data-testid=connect-form]").Submit();
        form.WaitForElement("[data-testid=connected]");
        Assert.Equal(new MemberAccountRoleChange("DigiUsherDiscovery"), Assert.Single(_dataSources.Created).MemberAccountRole);
    }

    [Fact]
    public void DataSourceForm_WhenDataSourceRefusesTheRoleName_ShowsItsErrorOnTheFieldAndKeepsWhatWasTyped()
    {
        const string Refusal = "must be a plain IAM role name (letters, digits and _+=,.@-), without a path or an ARN, e.g. DigiUsherDiscovery.";
        var existing = PayerWithKeys();
        _dataSources.OnUpdate = (_, _) => throw new ApiProblemException(
            "DataSource", System.Net.HttpStatusCode.BadRequest, "One or more validation errors occurred.", null,
            new Dictionary<string, string[]> { ["memberAccountRole.roleName"] = [Refusal] }, null);
        var form = _context.Render<DataSourceForm>(p => p.Add(x => x.Existing, existing));

        form.Find("#member-account-role").Input("arn:aws:iam::222222222222:role/DigiUsherDiscovery");
        form.Find("[data-testid=connect-form]").Submit();

        form.WaitForElement("[data-testid='error-memberAccountRole.roleName']");
        Assert.Equal(Refusal, form.Find("[data-testid='error-memberAccountRole.roleName']").TextContent);
        Assert.Equal("true", form.Find("#member-account-role").GetAttribute("aria-invalid"));
        Assert.Contains("member-account-role-error", form.Find("#member-account-role").GetAttribute("aria-describedby"), StringComparison.Ordinal);
        Assert.Equal("arn:aws:iam::222222222222:role/DigiUsherDiscovery", form.Find("#member-account-role").GetAttribute("value"));
        Assert.Equal(new MemberAccountRoleChange("arn:aws:iam::222222222222:role/DigiUsherDiscovery"), Assert.Single(_dataSources.Updated).Request.MemberAccountRole);
    }

    [Fact]
    public void DataSourceForm_WhenTheSavedRoleIsCleared_TurnsMemberAccountDiscoveryOff()
    {
        var existing = With(PayerWithKeys(), v => v.MemberAccountRole = new MemberAccountRoleView { RoleName = "DigiUsherDiscovery" });
        _dataSources.OnUpdate = (_, _) => Checked(PayerWithKeys());
        var form = _context.Render<DataSourceForm>(p => p.Add(x => x.Existing, existing));
        Assert.Equal("DigiUsherDiscovery", form.Find("#member-account-role").GetAttribute("value"));
        Assert.Empty(form.FindAll("[data-testid=member-account-role-cleared]"));

        form.Find("[data-testid=clear-member-account-role]").Click();

        Assert.Equal("", form.Find("#member-account-role").GetAttribute("value"));
        Assert.Contains("turns off the role DigiUsherDiscovery", form.Find("[data-testid=member-account-role-cleared]").TextContent, StringComparison.Ordinal);
        form.Find("[data-testid=connect-form]").Submit();
        form.WaitForElement("[data-testid=connected]");
        var (id, request) = Assert.Single(_dataSources.Updated);
        Assert.Equal(existing.Id, id);
        Assert.Equal(new DataSourceRequest { MemberAccountRole = new MemberAccountRoleChange(null) }, request);
    }

    [Fact]
    public void ConnectionForm_OfAMemberAccountRole_SendsItOnlyWhenSetChangedOrEmptied()
    {
        var existing = With(Source("Payer", "aws-root"), v => v.MemberAccountRole = new MemberAccountRoleView { RoleName = "DigiUsherDiscovery" });
        var form = ConnectionForm.From(existing);

        Assert.Null(form.ToUpdate(existing).MemberAccountRole);
        form.MemberAccountRole = "OrganizationAccountAccessRole ";
        Assert.Equal(new MemberAccountRoleChange("OrganizationAccountAccessRole"), form.ToUpdate(existing).MemberAccountRole);
        form.MemberAccountRole = " ";
        Assert.Equal(new MemberAccountRoleChange(null), form.ToUpdate(existing).MemberAccountRole);
        Assert.Null(new ConnectionForm { MemberAccountRole = " " }.ToCreate().MemberAccountRole);
        Assert.Equal("DigiUsherDiscovery", new MemberAccountRoleChange("DigiUsherDiscovery").ToSetting().RoleName);
        Assert.Null(new MemberAccountRoleChange(null).ToSetting().RoleName);
    }

    [Fact]
    public void MemberAccountChecks_ShowWhatEachMemberAccountAnsweredAndWhoTheLastDiscoveryMissed()
    {
        var validation = new ValidationReport
        {
            CheckedAt = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero),
            Outcome = "ok",
            MemberAccounts =
            [
                new MemberAccountCheck { AccountId = "222222222222", Name = "production", RoleArn = "arn:aws:iam::222222222222:role/DigiUsherDiscovery", Status = MemberAccountStatus.Ok },
                new MemberAccountCheck { AccountId = "333333333333", Name = "sandbox", RoleArn = "arn:aws:iam::333333333333:role/DigiUsherDiscovery", Status = MemberAccountStatus.Refused, Detail = "AccessDenied: not authorized." },
            ],
        };
        var discovery = new DiscoveryStatus
        {
            Succeeded = true,
            FinishedAt = new DateTimeOffset(2026, 12, 7, 8, 5, 0, TimeSpan.Zero),
            Skipped =
            [
                new DiscoverySkip { Kind = "member-account", Reason = "Account 333333333333 (sandbox): refused the member account role" },
                new DiscoverySkip { Kind = "iam-user", Reason = "AccessDenied on iam:ListUsers" },
            ],
        };

        var checks = _context.Render<MemberAccountChecks>(p => p.Add(x => x.Validation, validation).Add(x => x.Discovery, discovery));

        var rows = checks.FindAll("[data-testid=member-account-check]");
        Assert.Equal(["ok", "refused"], rows.Select(r => r.GetAttribute("data-status")));
        Assert.Contains("AccessDenied: not authorized.", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("1 of 2 let it in", checks.Find("caption").TextContent, StringComparison.Ordinal);
        Assert.Equal(["Account 333333333333 (sandbox): refused the member account role"], checks.FindAll("[data-testid=member-account-skipped]").Select(s => s.TextContent));

        var notTried = _context.Render<MemberAccountChecks>(p => p.Add(x => x.Validation, new ValidationReport
        {
            Outcome = "ok",
            MemberAccounts = [],
            Warnings = ["memberAccountRole 'DigiUsherDiscovery' was not tried: the payer account manages no AWS Organization.", "Something else."],
        }).Add(x => x.Discovery, new DiscoveryStatus { Succeeded = true }));
        Assert.Equal(["memberAccountRole 'DigiUsherDiscovery' was not tried: the payer account manages no AWS Organization."], notTried.FindAll("[data-testid=member-accounts-warning]").Select(w => w.TextContent));
        notTried.Find("[data-testid=member-accounts-discovered]");
        _context.Render<MemberAccountChecks>().Find("[data-testid=member-accounts-not-checked]");
    }

    [Fact]
    public void ImportProgressText_WhenAnImportIsLoading_SaysFilesRowsSpeedAndTheExpectedEnd()
    {
        var end = new DateTimeOffset(2026, 12, 6, 23, 31, 40, TimeSpan.FromHours(1));

        Assert.Equal("2 of 5 files, 120,000 rows at 40,000 rows/s, expected to end about 22:31 UTC", ImportProgressText.For(2, 5, 120_000, 40_000.4, end));
        Assert.Equal("0 of 1 file, 0 rows, estimating the end", ImportProgressText.For(0, 1, 0, 0, null));
        Assert.Equal(40, ImportProgressText.Percent(2, 5));
        Assert.Equal(0, ImportProgressText.Percent(3, 0));
    }

    [Fact]
    public void PolicyPanel_WhenTheBucketIsValid_ShowsTheThreePoliciesFilledInForIt()
    {
        var panel = _context.Render<PolicyPanel>(p => p.Add(x => x.Bucket, " acme-billing ").Add(x => x.AccountId, "123456789012"));

        panel.WaitForElement("[data-testid=read-policy]");
        Assert.Equal([("acme-billing", "123456789012")], _dataSources.Asked);
        var read = JsonDocument.Parse(panel.Find("[data-testid=read-policy]").TextContent).RootElement;
        Assert.Equal("arn:aws:s3:::acme-billing/*", read.GetProperty("Statement")[1].GetProperty("Resource").GetString());
        Assert.Contains("123456789012", panel.Find("[data-testid=bucket-policy]").TextContent, StringComparison.Ordinal);
        Assert.Contains("ec2:Describe*", panel.Find("[data-testid=discovery-policy]").TextContent, StringComparison.Ordinal);
        Assert.Equal(3, panel.FindAll("button").Count(b => b.TextContent == "Copy"));
    }

    [Fact]
    public void PolicyPanel_WhenTheBucketNameIsInvalid_AsksNothingAndSaysWhy()
    {
        var panel = _context.Render<PolicyPanel>(p => p.Add(x => x.Bucket, "Acme_Billing"));

        Assert.Empty(_dataSources.Asked);
        Assert.Contains("lowercase letters", panel.Find("[data-testid=policies-hint]").TextContent, StringComparison.Ordinal);
        Assert.Empty(panel.FindAll("pre"));
    }

    [Fact]
    public void PolicyPanel_WhenCopyIsPressed_CopiesExactlyThePolicyShown()
    {
        var copy = _context.JSInterop.Setup<bool>("digiusher.copy", _ => true).SetResult(true);
        var panel = _context.Render<PolicyPanel>(p => p.Add(x => x.Bucket, "acme-billing"));
        panel.WaitForElement("[data-testid=read-policy]");

        panel.FindAll("button").First(b => b.TextContent == "Copy").Click();

        var copied = Assert.Single(copy.Invocations).Arguments[0] as string;
        Assert.Equal(panel.Find("[data-testid=bucket-policy]").TextContent, copied);
        Assert.Contains("Copied.", panel.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void ChartWithTable_WhenShowTheNumbersIsPressed_ShowsEachSeriesAndTheTotals()
    {
        IReadOnlyList<ChartSeries> series =
        [
            new("AmazonEC2", [new("2026-03-01", 10m), new("2026-03-02", 20.5m)]),
            new("AmazonS3", [new("2026-03-01", 1m), new("2026-03-02", 0m)]),
        ];
        var chart = _context.Render<ChartWithTable>(p => p.Add(x => x.Title, "Daily cost").Add(x => x.Series, series).Add(x => x.Currency, "USD").Add(x => x.TestId, "daily"));
        Assert.Empty(chart.FindAll("table"));
        Assert.Equal("false", chart.Find("[data-testid=daily-toggle]").GetAttribute("aria-expanded"));

        chart.Find("[data-testid=daily-toggle]").Click();

        var rows = chart.FindAll("[data-testid=daily-table] tbody tr").Select(r => r.Children.Select(c => c.TextContent).ToList()).ToList();
        Assert.Equal(["2026-03-01", "10.00 USD", "1.00 USD", "11.00 USD"], rows[0]);
        Assert.Equal(["2026-03-02", "20.50 USD", "0.00 USD", "20.50 USD"], rows[1]);
        Assert.Equal("31.50 USD", chart.Find("[data-testid=daily-total]").TextContent);
        Assert.Equal("true", chart.Find("[data-testid=daily-toggle]").GetAttribute("aria-expanded"));
    }

    [Fact]
    public void ConnectionForm_WhenEditingWithoutANewSecret_SendsOnlyWhatChanged()
    {
        var existing = new DataSourceView
        {
            Id = Guid.NewGuid(),
            Name = "Payer",
            Kind = "aws-root",
            AuthType = "access-key",
            AccessKeyId = "AKIAEXAMPLEEXAMPLE12",
            Bucket = "acme-billing",
            Prefix = "cur",
            ReportName = "hourly",
            Region = "us-east-1",
            PayerAccountId = "123456789012",
            CreatedBy = new CreatedBy { UserId = Guid.NewGuid(), Email = "a@example.com" },
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
        };
        var form = ConnectionForm.From(existing);
        form.Prefix = "reports";

        var update = form.ToUpdate(existing);

        Assert.Equal(new DataSourceRequest { Prefix = "reports" }, update);
        Assert.Empty(form.Check(editing: true));
        form.SecretAccessKey = "new-secret";
        Assert.Equal(("AKIAEXAMPLEEXAMPLE12", "new-secret"), (form.ToUpdate(existing).AccessKeyId, form.ToUpdate(existing).SecretAccessKey));
    }

    [Fact]
    public void ConnectionForm_WhenFieldsAreMissing_NamesEachWithWhatToDo()
    {
        var form = new ConnectionForm { Name = " ", Bucket = "x", DetectReport = false };

        var errors = form.Check(editing: false);

        Assert.Equal(["accessKeyId", "bucket", "name", "reportName", "secretAccessKey"], errors.Keys.Order());
        Assert.Contains("3 to 63", errors["bucket"], StringComparison.Ordinal);
    }

    [Fact]
    public void ConnectionAdvice_WhenAPermissionIsDenied_SaysWhichPolicyToAttach()
    {
        var denied = new PermissionCheck { Action = "s3:GetObject", Feature = "billing", Resource = "arn:aws:s3:::acme/*", Status = PermissionStatus.Denied, Detail = "AccessDenied" };
        var discovery = new PermissionCheck { Action = "ec2:DescribeVolumes", Feature = "ec2", Resource = "*", Status = PermissionStatus.Denied, Detail = "UnauthorizedOperation" };

        Assert.StartsWith("s3:GetObject is missing on arn:aws:s3:::acme/*", ConnectionAdvice.For(denied), StringComparison.Ordinal);
        Assert.Contains("read-only policy", ConnectionAdvice.For(denied), StringComparison.Ordinal);
        Assert.Contains("discovery policy", ConnectionAdvice.For(discovery), StringComparison.Ordinal);
        Assert.Contains("EC2 instances", ConnectionAdvice.For(discovery), StringComparison.Ordinal);
    }

    [Fact]
    public void LinkedAccountForm_WhenConnectedWithARole_SendsItsRootAndTheIssuedExternalIdAndShowsWhatAwsAnswered()
    {
        var (payer, other) = (Source("Payer", "aws-root"), Source("Other payer", "aws-root"));
        _dataSources.Sources.AddRange([payer, other, Source("Production", "aws-linked", payer.Id, "222222222222")]);
        _dataSources.OnCreate = request => With(Source(request.Name!, "aws-linked", request.ParentDataSourceId, "333333333333"), v => v.Validation = new ValidationReport
            {
                Outcome = "ok",
                AccountId = "333333333333",
                Permissions =
                [
                    new PermissionCheck { Action = "ec2:DescribeInstances", Feature = "ec2", Resource = "*", Status = PermissionStatus.Ok },
                    new PermissionCheck { Action = "iam:ListUsers", Feature = "iam", Resource = "*", Status = PermissionStatus.Denied, Detail = "AccessDenied" },
                ],
                Warnings = ["The root may not call organizations:ListAccounts: membership was not checked."],
            });
        var form = _context.Render<LinkedAccountForm>(p => p.Add(x => x.RootId, other.Id));

        // Only roots are offered, the one asked for chosen; the guide's discovery policy is the one to attach.
        form.WaitForElement("[data-testid=linked-discovery-policy]");
        Assert.Equal(["Payer (123456789012)", "Other payer (123456789012)"], form.FindAll("#linked-root option").Select(o => o.TextContent));
        Assert.Equal(other.Id.ToString(), form.Find("#linked-root").GetAttribute("value"));
        Assert.Contains("ec2:Describe*", form.Find("[data-testid=linked-discovery-policy]").TextContent, StringComparison.Ordinal);
        form.Find("#linked-name").Change("Staging");
        form.Find("#linked-auth-role").Change(true);
        form.WaitForElement("[data-testid=linked-trust-policy]");
        Assert.Equal("digiusher-0123456789abcdef", form.Find("[data-testid=linked-external-id]").GetAttribute("value"));
        form.Find("#linked-role-arn").Change("arn:aws:iam::333333333333:role/digiusher-read");
        form.Find("[data-testid=linked-form]").Submit();

        form.WaitForElement("[data-testid=linked-connected]");
        Assert.Equal(new DataSourceRequest
        {
            Name = "Staging",
            Kind = "aws-linked",
            ParentDataSourceId = other.Id,
            RoleArn = "arn:aws:iam::333333333333:role/digiusher-read",
            ExternalId = "digiusher-0123456789abcdef",
        }, Assert.Single(_dataSources.Created));
        Assert.Contains("Linked account 333333333333 connected under Other payer", form.Find("[data-testid=linked-connected]").TextContent, StringComparison.Ordinal);
        Assert.Equal(["ok", "denied"], form.FindAll("[data-testid=permission]").Select(p => p.GetAttribute("data-status")));
        Assert.Contains("organizations:ListAccounts", form.Find("[data-testid=validation-warning]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void LinkedAccountForm_WhenNoRootIsConnected_SaysToConnectTheRootFirst()
    {
        var form = _context.Render<LinkedAccountForm>();

        form.WaitForElement("[data-testid=no-root]");
        Assert.Empty(form.FindAll("form"));
    }

    [Fact]
    public void LinkedAccountDraft_WhenFieldsAreMissingOrEdited_NamesEachAndSendsOnlyWhatChanged()
    {
        Assert.Equal(["accessKeyId", "name", "parentDataSourceId", "secretAccessKey"], new LinkedAccountDraft().Check(editing: false).Keys.Order());
        var existing = With(Source("Production", "aws-linked", Guid.NewGuid(), "222222222222"), v => (v.AuthType, v.AccessKeyId) = ("access-key", "AKIAEXAMPLEEXAMPLE12"));
        var draft = LinkedAccountDraft.From(existing);
        Assert.Empty(draft.Check(editing: true));
        Assert.Equal(new DataSourceRequest(), draft.ToUpdate(existing));
        draft.Name = "Prod";
        draft.SecretAccessKey = "rotated";
        Assert.Equal(new DataSourceRequest { Name = "Prod", AccessKeyId = "AKIAEXAMPLEEXAMPLE12", SecretAccessKey = "rotated" }, draft.ToUpdate(existing));
    }

    [Fact]
    public void DataSourcesList_InListOrder_PutsEachLinkedAccountUnderItsRoot()
    {
        var (a, b) = (Source("A payer", "aws-root"), Source("B payer", "aws-root"));
        var sources = new[] { Source("Zeta", "aws-linked", a.Id, "1"), b, Source("Beta", "aws-linked", b.Id, "2"), a, Source("Alpha", "aws-linked", a.Id, "3"), Source("Lost", "aws-linked", Guid.NewGuid(), "4") };

        var order = DigiUsher.Console.Components.Pages.Settings.DataSources.InListOrder(sources, s => s).Select(s => s.Name);

        Assert.Equal(["B payer", "Beta", "A payer", "Alpha", "Zeta", "Lost"], order);
    }

    [Fact]
    public void DataSourceHealth_OfALinkedAccount_IsItsDiscoveryNotAReportItWillNeverGet()
    {
        string Badge(DataSourceStatus status, bool linked) =>
            _context.Render<DataSourceHealth>(p => p.Add(x => x.Status, status).Add(x => x.Linked, linked)).Find("[data-testid=ds-health]").TextContent;
        var discovered = new DataSourceStatus { LastDiscovery = new DiscoveryStatus { Succeeded = true, FinishedAt = DateTimeOffset.UtcNow } };
        var failed = new DataSourceStatus { LastDiscovery = new DiscoveryStatus { Succeeded = false, FinishedAt = DateTimeOffset.UtcNow, Error = "AccessDenied" } };

        Assert.Equal("connected, discovering", Badge(new DataSourceStatus(), linked: true));
        Assert.Equal("connected", Badge(discovered, linked: true));
        Assert.Equal("discovery failing", Badge(failed, linked: true));
        Assert.Equal("waiting for the first report", Badge(new DataSourceStatus(), linked: false));
    }

    private static DataSourceView With(DataSourceView view, Action<DataSourceView> change)
    {
        change(view);
        return view;
    }

    /// <summary>A root signing in with access keys, its report known: editing it needs no new secret.</summary>
    private static DataSourceView PayerWithKeys() =>
        With(Source("Payer", "aws-root"), v => (v.AuthType, v.AccessKeyId, v.ReportName) = ("access-key", "AKIAEXAMPLEEXAMPLE12", "hourly"));

    /// <summary>DataSource's answer to a connection or a change: the view with its check.</summary>
    private static DataSourceView Checked(DataSourceView view) => With(view, v => v.Validation = new ValidationReport { Outcome = "ok", CheckedAt = DateTimeOffset.UtcNow });

    private static DataSourceView Source(string name, string kind, Guid? parent = null, string? account = null) => new()
    {
        Id = Guid.NewGuid(),
        Name = name,
        Kind = kind,
        AuthType = "role",
        Bucket = kind == "aws-root" ? "acme-billing" : "",
        Prefix = "",
        Region = "us-east-1",
        PayerAccountId = kind == "aws-root" ? "123456789012" : null,
        ParentDataSourceId = parent,
        AccountId = account,
        CreatedBy = new CreatedBy { UserId = Guid.NewGuid(), Email = "a@example.com" },
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };

    public void Dispose()
    {
        _context.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Answers only the setup endpoint, as DataSource fills it in (bucket and account in the ARNs).</summary>
    private sealed class SetupOnlyDataSources : IDataSourcesApi
    {
        public List<(string Bucket, string? Account)> Asked { get; } = [];

        public Task<AwsSetup> GetAwsSetupAsync(string bucket, string? accountId, CancellationToken cancellationToken)
        {
            Asked.Add((bucket, accountId));
            var account = accountId ?? "${PayerAccountId}";
            JsonObject Json(string text) => JsonSerializer.Deserialize<JsonObject>(text)!;
            return Task.FromResult(new AwsSetup
            {
                Bucket = bucket,
                PayerAccountId = accountId,
                BucketPolicy = Json("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"billingreports.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"StringLike":{"aws:SourceAccount":"ACCOUNT"}}}]}""".Replace("BUCKET", bucket, StringComparison.Ordinal).Replace("ACCOUNT", account, StringComparison.Ordinal)),
                BillingReadPolicy = Json($$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:GetBucketLocation"],"Resource":"arn:aws:s3:::{{bucket}}"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{{bucket}}/*"}]}"""),
                DiscoveryPolicy = Json("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}"""),
            });
        }

        /// <summary>What <see cref="ListAsync"/> answers.</summary>
        public List<DataSourceView> Sources { get; } = [];

        /// <summary>The data sources asked for, and what <see cref="CreateAsync"/> answers (DataSource's view with its validation).</summary>
        public List<DataSourceRequest> Created { get; } = [];

        public Func<DataSourceRequest, DataSourceView>? OnCreate { get; set; }

        public Task<IReadOnlyList<DataSourceView>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<DataSourceView>>(Sources);

        public Task<DataSourceView> GetAsync(Guid id, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DataSourceStatus> StatusAsync(Guid id, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DataSourceView> CreateAsync(DataSourceRequest request, CancellationToken cancellationToken)
        {
            Created.Add(request);
            return Task.FromResult(OnCreate!(request));
        }

        /// <summary>The changes asked for, and what <see cref="UpdateAsync"/> answers (or throws, as DataSource refuses).</summary>
        public List<(Guid Id, DataSourceRequest Request)> Updated { get; } = [];

        public Func<Guid, DataSourceRequest, DataSourceView>? OnUpdate { get; set; }

        public Task<DataSourceView> UpdateAsync(Guid id, DataSourceRequest request, CancellationToken cancellationToken)
        {
            Updated.Add((id, request));
            return Task.FromResult(OnUpdate!(id, request));
        }

        public Task DeleteAsync(Guid id, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ValidationReport> ValidateAsync(Guid id, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task PollAsync(Guid id, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ExternalIdIssued> NewExternalIdAsync(CancellationToken cancellationToken) => Task.FromResult(new ExternalIdIssued
        {
            ExternalId = "digiusher-0123456789abcdef",
            PrincipalArn = "arn:aws:iam::111122223333:role/digiusher",
            TrustPolicy = JsonSerializer.Deserialize<JsonObject>(
                """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/digiusher"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"digiusher-0123456789abcdef"}}}]}""")!,
        });
    }
}
