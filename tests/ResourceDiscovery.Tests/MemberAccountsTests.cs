using DigiUsher.Contracts;
using DigiUsher.ResourceDiscovery.Discovery;

namespace DigiUsher.ResourceDiscovery.Tests;

public class MemberAccountsTests
{
    private static readonly IReadOnlyList<MemberAccount> Organization =
    [
        new("123456789012", "management", "ACTIVE"),
        new("111111111111", "production", "ACTIVE"),
        new("222222222222", "staging", "ACTIVE"),
        new("333333333333", "closing", "PENDING_CLOSURE"),
        new("444444444444", "suspended", "SUSPENDED"),
    ];

    [Fact]
    public void ToDiscover_WhenTheRootHasAMemberAccountRole_IsEveryActiveMemberButThePayer()
    {
        var accounts = MemberAccounts.ToDiscover(Root("DigiUsher"), Organization, "123456789012", new HashSet<string>());

        Assert.Equal(["111111111111", "222222222222"], accounts.Select(a => a.AccountId));
    }

    [Fact]
    public void ToDiscover_WhenAMemberIsConnectedAsItsOwnLinkedDataSource_LeavesItToThatOne()
    {
        var accounts = MemberAccounts.ToDiscover(Root("DigiUsher"), Organization, "123456789012", new HashSet<string> { "222222222222" });

        Assert.Equal(["111111111111"], accounts.Select(a => a.AccountId));
    }

    [Fact]
    public void ToDiscover_WhenNoRoleOrNoListOrALinkedDataSource_IsNothing()
    {
        Assert.Empty(MemberAccounts.ToDiscover(Root(null), Organization, "123456789012", new HashSet<string>()));
        Assert.Empty(MemberAccounts.ToDiscover(Root("DigiUsher"), null, "123456789012", new HashSet<string>()));
        Assert.Empty(MemberAccounts.ToDiscover(Root("DigiUsher") with { Kind = DataSourceKinds.AwsLinked }, Organization, "111111111111", new HashSet<string>()));
    }

    [Fact]
    public void Covered_WhenInAMemberAccount_NamesTheAccount() =>
        Assert.Equal("ec2-instance@us-east-1@111111111111", DigiUsher.ResourceDiscovery.Data.MemberAccountOutcome.Announced("ec2-instance@us-east-1", "111111111111"));

    private static DataSourceSettings Root(string? roleName) =>
        new("Root", DataSourceKinds.AwsRoot, "bucket", "cur", null, "us-east-1", "123456789012", Guid.NewGuid(), "creator@example.com", [], MemberAccountRoleName: roleName);
}
