"""店小蜜 knowledge editor: 知识库, 行业包 and 问答测试."""
