<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>AssistPanel</name>
    <message>
        <source>买家：{text}</source>
        <translation>Buyer: {text}</translation>
    </message>
    <message>
        <source>插入编辑</source>
        <translation>Insert to edit</translation>
    </message>
    <message>
        <source>根据买家最新消息推荐回复</source>
        <translation>Replies suggested for the buyer&apos;s latest message</translation>
    </message>
    <message>
        <source>正在加载分词词典与知识库，稍后即可给出推荐回复…</source>
        <translation>Loading the dictionary and knowledge base; suggestions will appear shortly…</translation>
    </message>
    <message>
        <source>直接发送</source>
        <translation>Send now</translation>
    </message>
    <message>
        <source>知识库里没有找到合适的回复，请人工回答。</source>
        <translation>No matching reply in the knowledge base. Please answer manually.</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>机器人</source>
        <translation>Bot</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>发送</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>快捷短语</source>
        <translation>Quick phrases</translation>
    </message>
    <message>
        <source>未分组</source>
        <translation>Ungrouped</translation>
    </message>
    <message>
        <source>输入 / 调出快捷短语</source>
        <translation>Type / for quick phrases</translation>
    </message>
    <message>
        <source>输入消息，Ctrl+Enter 发送，Enter 换行</source>
        <translation>Type a message. Ctrl+Enter to send, Enter for a new line</translation>
    </message>
    <message>
        <source>输入消息，Enter 发送，Shift+Enter 换行</source>
        <translation>Type a message. Enter to send, Shift+Enter for a new line</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>已结束</source>
        <translation>Ended</translation>
    </message>
    <message>
        <source>待接待</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>接待中</source>
        <translation>Serving</translation>
    </message>
    <message>
        <source>等待 {n}分</source>
        <translation>Waiting {n} min</translation>
    </message>
    <message>
        <source>等待 {n}秒</source>
        <translation>Waiting {n}s</translation>
    </message>
</context>
<context>
    <name>CreditBadge</name>
    <message>
        <source>信用等级：{level}</source>
        <translation>Credit level: {level}</translation>
    </message>
</context>
<context>
    <name>CustomerPanel</name>
    <message>
        <source>88VIP 会员</source>
        <translation>88VIP member</translation>
    </message>
    <message>
        <source>{level} · {points} 积分</source>
        <translation>{level} · {points} points</translation>
    </message>
    <message>
        <source>⚠ 售后提醒：{items}，沟通时请多留意。</source>
        <translation>⚠ After-sales alert: {items}. Take extra care with this customer.</translation>
    </message>
    <message>
        <source>会员</source>
        <translation>Membership</translation>
    </message>
    <message>
        <source>信用等级 {level}</source>
        <translation>Credit level {level}</translation>
    </message>
    <message>
        <source>偏好</source>
        <translation>Preferences</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>删除备注</source>
        <translation>Delete note</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>备注</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>备注内容</source>
        <translation>Note text</translation>
    </message>
    <message>
        <source>备注列表</source>
        <translation>Note list</translation>
    </message>
    <message>
        <source>官方</source>
        <translation>Official</translation>
    </message>
    <message>
        <source>差评 {n} 次</source>
        <translation>bad reviews ×{n}</translation>
    </message>
    <message>
        <source>手机</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <source>暂无备注</source>
        <translation>No notes yet</translation>
    </message>
    <message>
        <source>暂无，可在下方添加</source>
        <translation>None yet; add one below</translation>
    </message>
    <message>
        <source>未选择客户</source>
        <translation>No customer selected</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>标签</source>
        <translation>Tags</translation>
    </message>
    <message>
        <source>正在加载客户资料…</source>
        <translation>Loading customer profile…</translation>
    </message>
    <message>
        <source>注册</source>
        <translation>Registered</translation>
    </message>
    <message>
        <source>添加</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>添加备注</source>
        <translation>Add note</translation>
    </message>
    <message>
        <source>添加标签</source>
        <translation>Add tag</translation>
    </message>
    <message>
        <source>确定删除这条备注吗？删除后不能恢复。</source>
        <translation>Delete this note? This can&apos;t be undone.</translation>
    </message>
    <message>
        <source>自定义</source>
        <translation>Custom</translation>
    </message>
    <message>
        <source>记录客户需求、沟通要点…（Ctrl+Enter 添加）</source>
        <translation>Record the customer&apos;s needs and key points… (Ctrl+Enter to add)</translation>
    </message>
    <message>
        <source>该客户已有标签“{name}”。</source>
        <translation>This customer already has the tag “{name}”.</translation>
    </message>
    <message>
        <source>输入标签，回车添加</source>
        <translation>Type a tag and press Enter</translation>
    </message>
    <message>
        <source>退款 {n} 次</source>
        <translation>refunds ×{n}</translation>
    </message>
    <message>
        <source>选择一个会话后，这里会显示客户的资料、标签和备注。</source>
        <translation>Select a conversation to see the customer&apos;s profile, tags and notes here.</translation>
    </message>
    <message>
        <source>重试</source>
        <translation>Retry</translation>
    </message>
    <message>
        <source>非会员</source>
        <translation>Not a member</translation>
    </message>
    <message>
        <source>，</source>
        <comment>list separator</comment>
        <translation>, </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>○ 离线</source>
        <translation>○ Offline</translation>
    </message>
    <message>
        <source>● 在线</source>
        <translation>● Online</translation>
    </message>
    <message>
        <source>◐ 挂起</source>
        <translation>◐ Away</translation>
    </message>
    <message>
        <source>买家发来订单号 {no}，已在「订单」页打开</source>
        <translation>The buyer sent order number {no}; it is open in the Orders tab</translation>
    </message>
    <message>
        <source>从左侧选择一个会话开始接待</source>
        <translation>Select a conversation on the left to start serving</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>客服已结束会话</source>
        <translation>The agent ended the conversation</translation>
    </message>
    <message>
        <source>客服：{name}</source>
        <translation>Agent: {name}</translation>
    </message>
    <message>
        <source>工作台 · 接待中心</source>
        <translation>Workbench · Reception</translation>
    </message>
    <message>
        <source>工作台 · 接待中心（待接待 {w} · 接待中 {a}）</source>
        <translation>Workbench · Reception (Waiting {w} · Serving {a})</translation>
    </message>
    <message>
        <source>工具栏</source>
        <translation>Toolbar</translation>
    </message>
    <message>
        <source>已结束</source>
        <translation>Ended</translation>
    </message>
    <message>
        <source>已连接：{db}</source>
        <translation>Connected: {db}</translation>
    </message>
    <message>
        <source>待接待</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>接入</source>
        <translation>Accept</translation>
    </message>
    <message>
        <source>接待</source>
        <translation>Reception</translation>
    </message>
    <message>
        <source>接待中</source>
        <translation>Serving</translation>
    </message>
    <message>
        <source>智能辅助</source>
        <translation>Smart Assist</translation>
    </message>
    <message>
        <source>来一位模拟客户</source>
        <translation>Simulate a customer</translation>
    </message>
    <message>
        <source>模拟客户进店</source>
        <translation>Simulated arrivals</translation>
    </message>
    <message>
        <source>正在打开店铺…</source>
        <translation>Opening shop…</translation>
    </message>
    <message>
        <source>正在打开数据库…</source>
        <translation>Opening database…</translation>
    </message>
    <message>
        <source>结束会话</source>
        <translation>End conversation</translation>
    </message>
    <message>
        <source>订单</source>
        <translation>Orders</translation>
    </message>
    <message>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>设置已保存</source>
        <translation>Settings saved</translation>
    </message>
    <message>
        <source>语言与数据库的更改将在重新启动后生效。</source>
        <translation>Language and database changes take effect after a restart.</translation>
    </message>
</context>
<context>
    <name>NoteDelegate</name>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>未署名</source>
        <translation>Anonymous</translation>
    </message>
</context>
<context>
    <name>OrderDetail</name>
    <message>
        <source>⚠ 该订单不属于当前客户，发送前请核对。</source>
        <translation>⚠ This order belongs to another customer. Check before sending.</translation>
    </message>
    <message>
        <source>下单 {time}</source>
        <translation>Ordered {time}</translation>
    </message>
    <message>
        <source>下单时间</source>
        <translation>Ordered</translation>
    </message>
    <message>
        <source>付款时间</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>优惠</source>
        <translation>Discount</translation>
    </message>
    <message>
        <source>卖家备注</source>
        <translation>Seller memo</translation>
    </message>
    <message>
        <source>发货时间</source>
        <translation>Shipped</translation>
    </message>
    <message>
        <source>商品</source>
        <translation>Items</translation>
    </message>
    <message>
        <source>商品总额</source>
        <translation>Subtotal</translation>
    </message>
    <message>
        <source>复制单号</source>
        <translation>Copy no.</translation>
    </message>
    <message>
        <source>复制订单号</source>
        <translation>Copy order number</translation>
    </message>
    <message>
        <source>复制运单号</source>
        <translation>Copy tracking no.</translation>
    </message>
    <message>
        <source>实付款</source>
        <translation>Total paid</translation>
    </message>
    <message>
        <source>尚未发货</source>
        <translation>Not shipped yet</translation>
    </message>
    <message>
        <source>尺码：{size}</source>
        <translation>Size: {size}</translation>
    </message>
    <message>
        <source>收货地址</source>
        <translation>Shipping address</translation>
    </message>
    <message>
        <source>旗帜</source>
        <translation>Flag</translation>
    </message>
    <message>
        <source>无运单号</source>
        <translation>No tracking number</translation>
    </message>
    <message>
        <source>暂无物流信息</source>
        <translation>No tracking updates yet</translation>
    </message>
    <message>
        <source>物流</source>
        <translation>Logistics</translation>
    </message>
    <message>
        <source>签收时间</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <source>订单信息</source>
        <translation>Order info</translation>
    </message>
    <message>
        <source>颜色：{color}</source>
        <translation>Colour: {color}</translation>
    </message>
    <message>
        <source>（无商品明细）</source>
        <translation>(No item details)</translation>
    </message>
</context>
<context>
    <name>OrderList</name>
    <message>
        <source>{title} 等 {n} 种商品</source>
        <translation>{title} and more ({n} items)</translation>
    </message>
    <message>
        <source>（无商品明细）</source>
        <translation>(No item details)</translation>
    </message>
</context>
<context>
    <name>OrderState</name>
    <message>
        <source>交易关闭</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>交易成功</source>
        <translation>Completed</translation>
    </message>
    <message>
        <source>已发货</source>
        <translation>Shipped</translation>
    </message>
    <message>
        <source>已签收</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <source>待付款</source>
        <translation>Awaiting payment</translation>
    </message>
    <message>
        <source>待发货</source>
        <translation>Awaiting shipment</translation>
    </message>
    <message>
        <source>退款中</source>
        <translation>Refunding</translation>
    </message>
</context>
<context>
    <name>OrdersPanel</name>
    <message>
        <source>也可以在上方输入订单号查单。</source>
        <translation>Or look up an order by its number above.</translation>
    </message>
    <message>
        <source>发送物流信息</source>
        <translation>Send tracking info</translation>
    </message>
    <message>
        <source>发送订单卡片</source>
        <translation>Send order card</translation>
    </message>
    <message>
        <source>复制单号</source>
        <translation>Copy no.</translation>
    </message>
    <message>
        <source>复制运单号</source>
        <translation>Copy tracking no.</translation>
    </message>
    <message>
        <source>已复制</source>
        <translation>Copied</translation>
    </message>
    <message>
        <source>未选择客户</source>
        <translation>No customer selected</translation>
    </message>
    <message>
        <source>查单</source>
        <translation>Look up</translation>
    </message>
    <message>
        <source>正在加载订单…</source>
        <translation>Loading orders…</translation>
    </message>
    <message>
        <source>正在查询…</source>
        <translation>Searching…</translation>
    </message>
    <message>
        <source>没有找到订单 {number}。</source>
        <translation>Order {number} not found.</translation>
    </message>
    <message>
        <source>订单列表</source>
        <translation>Order list</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order number</translation>
    </message>
    <message>
        <source>该客户暂无订单</source>
        <translation>This customer has no orders yet</translation>
    </message>
    <message>
        <source>请输入订单号。</source>
        <translation>Enter an order number.</translation>
    </message>
    <message>
        <source>输入订单号查单</source>
        <translation>Look up by order number</translation>
    </message>
    <message>
        <source>近期订单</source>
        <translation>Recent orders</translation>
    </message>
    <message>
        <source>选择订单查看详情</source>
        <translation>Select an order to see its details</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source> 位/分钟</source>
        <translation> per minute</translation>
    </message>
    <message>
        <source>共享数据库示例：postgresql+psycopg://用户:密码@主机/库名。密码只保存在系统钥匙串中。</source>
        <translation>Shared database example: postgresql+psycopg://user:password@host/dbname. The password is stored only in the system keychain.</translation>
    </message>
    <message>
        <source>到店频率</source>
        <translation>Arrival rate</translation>
    </message>
    <message>
        <source>发送方式</source>
        <translation>Send with</translation>
    </message>
    <message>
        <source>启动时开启模拟客户</source>
        <translation>Start simulated customers at launch</translation>
    </message>
    <message>
        <source>按 Enter 发送（Shift+Enter 换行）；不勾选则 Ctrl+Enter 发送</source>
        <translation>Enter sends (Shift+Enter for a new line); unchecked, Ctrl+Enter sends</translation>
    </message>
    <message>
        <source>数据库地址</source>
        <translation>Database URL</translation>
    </message>
    <message>
        <source>数据库地址格式不正确。</source>
        <translation>The database URL is not valid.</translation>
    </message>
    <message>
        <source>无法保存设置：{error}</source>
        <translation>Couldn&apos;t save settings: {error}</translation>
    </message>
    <message>
        <source>模拟客户</source>
        <translation>Simulated customers</translation>
    </message>
    <message>
        <source>界面语言</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>留空：使用本机 SQLite 数据库</source>
        <translation>Leave empty to use the local SQLite database</translation>
    </message>
    <message>
        <source>系统钥匙串不可用，密码不会被保存。请在启动时用 --db 传入完整地址。</source>
        <translation>The system keychain is unavailable, so the password can&apos;t be saved. Pass the full URL with --db at start-up.</translation>
    </message>
    <message>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
</context>
<context>
    <name>TagChip</name>
    <message>
        <source>官方标签，由平台根据客户数据生成，不能修改</source>
        <translation>Official tag, set by the platform from customer data; read-only</translation>
    </message>
    <message>
        <source>移除标签</source>
        <translation>Remove tag</translation>
    </message>
    <message>
        <source>移除标签 {name}</source>
        <translation>Remove tag {name}</translation>
    </message>
</context>
<context>
    <name>bootstrap</name>
    <message>
        <source>无法启动工作台</source>
        <translation>Couldn&apos;t start Workbench</translation>
    </message>
    <message>
        <source>无法打开工作台</source>
        <translation>Couldn&apos;t open Workbench</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>不能发送空白消息。</source>
        <translation>You can&apos;t send an empty message.</translation>
    </message>
    <message>
        <source>发生错误：{error}</source>
        <translation>Something went wrong: {error}</translation>
    </message>
    <message>
        <source>备注不能为空。</source>
        <translation>The note can&apos;t be empty.</translation>
    </message>
    <message>
        <source>备注最多 {limit} 个字。</source>
        <translation>Notes can be at most {limit} characters.</translation>
    </message>
    <message>
        <source>官方标签（信用等级、88VIP）为只读，不能手动修改。</source>
        <translation>Official tags (credit level, 88VIP) are read-only and can&apos;t be changed by hand.</translation>
    </message>
    <message>
        <source>找不到该会话，可能已被删除。</source>
        <translation>Conversation not found; it may have been deleted.</translation>
    </message>
    <message>
        <source>找不到该客户。</source>
        <translation>Customer not found.</translation>
    </message>
    <message>
        <source>操作未完成：{code}</source>
        <translation>The action couldn&apos;t be completed: {code}</translation>
    </message>
    <message>
        <source>数据库升级失败，数据未被修改：{detail}</source>
        <translation>Database upgrade failed; no data was changed: {detail}</translation>
    </message>
    <message>
        <source>数据库地址无效：{detail}</source>
        <translation>Invalid database URL: {detail}</translation>
    </message>
    <message>
        <source>数据库错误：{detail}</source>
        <translation>Database error: {detail}</translation>
    </message>
    <message>
        <source>数据目录不可写：{path}（{reason}）。请选择一个可写的目录（--data-dir）。</source>
        <translation>The data folder is not writable: {path} ({reason}). Choose a writable folder (--data-dir).</translation>
    </message>
    <message>
        <source>无法打开数据库：{detail}</source>
        <translation>Couldn&apos;t open the database: {detail}</translation>
    </message>
    <message>
        <source>标签名不能为空。</source>
        <translation>The tag name can&apos;t be empty.</translation>
    </message>
    <message>
        <source>标签名最多 {limit} 个字。</source>
        <translation>Tag names can be at most {limit} characters.</translation>
    </message>
    <message>
        <source>消息太长：{length} 字，最多 {limit} 字。请分几条发送。</source>
        <translation>Message too long: {length} characters (max {limit}). Please split it into several messages.</translation>
    </message>
    <message>
        <source>该会话已结束，不能再发送消息。</source>
        <translation>This conversation has ended; no more messages can be sent.</translation>
    </message>
    <message>
        <source>这个数据库由更新版本的工作台创建（版本 {rev}），当前程序无法识别。为避免损坏数据，程序不会修改它。请升级工作台后再打开。</source>
        <translation>This database was created by a newer version of Workbench (revision {rev}) that this version can&apos;t read. To protect your data, it will not be changed. Please upgrade Workbench and open it again.</translation>
    </message>
</context>
</TS>
