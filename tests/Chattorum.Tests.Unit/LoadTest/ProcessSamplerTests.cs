using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

public class ProcessSamplerTests
{
    private const string Stat =
        "4321 (Chattorum.ChatA) S 1 4321 4321 0 -1 4194560 51234 0 12 0 1250 375 0 0 20 0 38 0 123456 3456789012 45678 18446744073709551615 1 1 0 0 0 0 0 4096 17642 0 0 0 17 1 0 0 0 0 0\n";

    private const string Status = """
        Name:	Chattorum.ChatA
        Umask:	0022
        State:	S (sleeping)
        Pid:	4321
        VmPeak:	 3521904 kB
        VmSize:	 3456789 kB
        VmHWM:	  190000 kB
        VmRSS:	  182712 kB
        RssAnon:	  120000 kB
        Threads:	38

        """;

    [Fact]
    public void Cpu_time_is_user_plus_system_ticks() => Assert.Equal(1625, ProcessSampler.ParseCpuTicks(Stat));

    [Fact]
    public void A_name_with_spaces_and_parentheses_does_not_shift_the_fields()
    {
        const string stat = "77 (redis (main) x) R 1 77 77 0 -1 0 0 0 0 0 10 20 0 0 20 0 4 0 9 1000 200 0\n";
        Assert.Equal(30, ProcessSampler.ParseCpuTicks(stat));
        Assert.Equal("redis (main) x", ProcessSampler.ParseName(stat));
    }

    [Fact]
    public void Resident_memory_is_read_in_kilobytes() => Assert.Equal(182712, ProcessSampler.ParseRssKb(Status));

    [Fact]
    public void A_kernel_thread_has_no_resident_memory() => Assert.Equal(0, ProcessSampler.ParseRssKb("Name:\tkthreadd\nState:\tS (sleeping)\n"));

    [Theory]
    [InlineData("4321 Chattorum S 1 2 3")]
    [InlineData("4321 (x) S 1 2 3 4 5 6 7 8 9 10")]
    [InlineData("4321 (x) S 1 2 3 4 5 6 7 8 9 10 ten 12")]
    public void Malformed_stat_text_is_refused(string stat) => Assert.Throws<FormatException>(() => ProcessSampler.ParseCpuTicks(stat));

    [Fact]
    public void Malformed_status_text_is_refused() => Assert.Throws<FormatException>(() => ProcessSampler.ParseRssKb("VmRSS:\t12 MB\n"));

    [Fact]
    public void Samples_this_process()
    {
        var sample = ProcessSampler.Sample(Environment.ProcessId);
        Assert.Equal(Environment.ProcessId, sample.Pid);
        Assert.True(sample.RssKb > 1024);
        Assert.True(sample.CpuTicks > 0);
        Assert.False(string.IsNullOrEmpty(sample.Name));
    }

    [Fact]
    public void A_missing_process_says_which() =>
        Assert.Contains("/proc/2147483646", Assert.Throws<InvalidOperationException>(() => ProcessSampler.Sample(int.MaxValue - 1)).Message, StringComparison.Ordinal);
}
