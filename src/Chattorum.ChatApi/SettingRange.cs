namespace Chattorum.ChatApi;

/// <summary>The values an operator setting may take, both ends included.</summary>
public readonly record struct SettingRange<T>(T Min, T Max)
    where T : IComparable<T>
{
    public bool Contains(T value) => value.CompareTo(Min) >= 0 && value.CompareTo(Max) <= 0;
}
