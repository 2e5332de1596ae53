<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>AccountDialog</name>
    <message>
        <source> 个会话</source>
        <translation> chats</translation>
    </message>
    <message>
        <source>例如：南栀女装旗舰店:小美</source>
        <translation>e.g. shop:Amy</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>分流权限</source>
        <translation>Routing</translation>
    </message>
    <message>
        <source>初始密码</source>
        <translation>Initial password</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>开通「分流」权限：可以分到新进店的买家</source>
        <translation>Routing permission: may be given new customers</translation>
    </message>
    <message>
        <source>接待上限</source>
        <translation>Capacity</translation>
    </message>
    <message>
        <source>接待组</source>
        <translation>Groups</translation>
    </message>
    <message>
        <source>新建子账号</source>
        <translation>New sub-account</translation>
    </message>
    <message>
        <source>昵称</source>
        <translation>Display name</translation>
    </message>
    <message>
        <source>模拟同事</source>
        <translation>Simulated</translation>
    </message>
    <message>
        <source>模拟同事（课堂练习：程序扮演这位客服，自动接待分给他的买家）</source>
        <translation>Simulated colleague (classroom: the program plays this agent and serves the customers routed to them)</translation>
    </message>
    <message>
        <source>编辑子账号</source>
        <translation>Edit sub-account</translation>
    </message>
    <message>
        <source>聊天里显示的名字</source>
        <translation>The name shown in chats</translation>
    </message>
    <message>
        <source>至少 8 个字符；留空则暂时不能登录共享数据库</source>
        <translation>At least 8 characters; leave empty and the account cannot log in to a shared database yet</translation>
    </message>
    <message>
        <source>角色</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>账号名</source>
        <translation>Account name</translation>
    </message>
    <message>
        <source>达到后自动挂起</source>
        <translation>set to Away when reached</translation>
    </message>
    <message>
        <source>还没有接待组</source>
        <translation>No reception groups yet</translation>
    </message>
</context>
<context>
    <name>AccountsTab</name>
    <message>
        <source>「{name}」已设为{status}。</source>
        <translation>{name} is now {status}.</translation>
    </message>
    <message>
        <source>例如「售后组」接待说到退货、退款、维修的买家，「售前组」接待其余买家。</source>
        <translation>For example, an after-sales group takes customers who mention returns, refunds or repairs, and a pre-sales group takes the rest.</translation>
    </message>
    <message>
        <source>保存分流设置</source>
        <translation>Save routing</translation>
    </message>
    <message>
        <source>分流</source>
        <translation>Routing</translation>
    </message>
    <message>
        <source>分流设置</source>
        <translation>Routing</translation>
    </message>
    <message>
        <source>分流设置已保存。</source>
        <translation>Routing saved.</translation>
    </message>
    <message>
        <source>分组关键词</source>
        <translation>Keywords</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>删除「{name}」？他正在接待的会话会回到待接待。</source>
        <translation>Delete {name}? Their open chats go back to Waiting.</translation>
    </message>
    <message>
        <source>删除子账号</source>
        <translation>Delete sub-account</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>子账号</source>
        <translation>Sub-accounts</translation>
    </message>
    <message>
        <source>子账号「{name}」已保存。</source>
        <translation>Sub-account {name} saved.</translation>
    </message>
    <message>
        <source>子账号「{name}」已删除。</source>
        <translation>Sub-account {name} deleted.</translation>
    </message>
    <message>
        <source>已开通</source>
        <translation>On</translation>
    </message>
    <message>
        <source>开启分流</source>
        <translation>Route new customers</translation>
    </message>
    <message>
        <source>开启后，每位新进店的买家按规则分给一位在线且未挂起的客服，进入他的「待接待」。</source>
        <translation>When on, each new customer is given by these rules to an agent who is online and not away, and lands in that agent&apos;s Waiting list.</translation>
    </message>
    <message>
        <source>按接待组分配</source>
        <translation>Route by reception group</translation>
    </message>
    <message>
        <source>接待中/上限</source>
        <translation>Open/capacity</translation>
    </message>
    <message>
        <source>接待组</source>
        <translation>Reception groups</translation>
    </message>
    <message>
        <source>新建子账号</source>
        <translation>New sub-account</translation>
    </message>
    <message>
        <source>新建接待组</source>
        <translation>New group</translation>
    </message>
    <message>
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>昵称</source>
        <translation>Display name</translation>
    </message>
    <message>
        <source>更改状态</source>
        <translation>Change status</translation>
    </message>
    <message>
        <source>未开通</source>
        <translation>Off</translation>
    </message>
    <message>
        <source>模拟同事</source>
        <translation>Simulated</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>组内无人可接时分给其他客服</source>
        <translation>When nobody in the group is free, give the customer to another agent</translation>
    </message>
    <message>
        <source>组员</source>
        <translation>Members</translation>
    </message>
    <message>
        <source>编辑</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>角色</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>设为{status}</source>
        <translation>Set to {status}</translation>
    </message>
    <message>
        <source>请先在表格里选中一个子账号。</source>
        <translation>Select a sub-account in the table first.</translation>
    </message>
    <message>
        <source>请先选中一个接待组。</source>
        <translation>Select a reception group first.</translation>
    </message>
    <message>
        <source>账号</source>
        <translation>Account</translation>
    </message>
    <message>
        <source>达到接待上限自动挂起，接待数下降后自动恢复在线</source>
        <translation>Set an agent to Away at capacity, and back online when below it</translation>
    </message>
    <message>
        <source>（其余买家）</source>
        <translation>(everyone else)</translation>
    </message>
    <message>
        <source>（满额）</source>
        <translation> (full)</translation>
    </message>
</context>
<context>
    <name>ActionsCard</name>
    <message>
        <source>买家现在不在聊天中：将作为离线消息发送，买家下次进店时看到。</source>
        <translation>The buyer is not in a chat: it is sent as an offline message they see on their next visit.</translation>
    </message>
    <message>
        <source>发送处理进度</source>
        <translation>Send progress</translation>
    </message>
    <message>
        <source>发送寄回地址和说明</source>
        <translation>Send return address and instructions</translation>
    </message>
    <message>
        <source>取消疑似标记</source>
        <translation>Remove suspicion mark</translation>
    </message>
    <message>
        <source>处理</source>
        <translation>Handling</translation>
    </message>
    <message>
        <source>好评：发一条针对内容的回复即可。</source>
        <translation>Positive review: a reply to what it says is all it needs.</translation>
    </message>
    <message>
        <source>工单已结束，没有后续步骤。</source>
        <translation>The case is closed; no further steps.</translation>
    </message>
    <message>
        <source>已回复。</source>
        <translation>Replied.</translation>
    </message>
    <message>
        <source>文字会放进与买家的聊天中。</source>
        <translation>The text goes into the chat with the buyer.</translation>
    </message>
    <message>
        <source>标记为疑似恶意投诉…</source>
        <translation>Mark as suspected malicious…</translation>
    </message>
    <message>
        <source>标记为疑似职业差评师…</source>
        <translation>Mark as suspected professional…</translation>
    </message>
    <message>
        <source>添加备注</source>
        <translation>Add note</translation>
    </message>
    <message>
        <source>添加备注（记录在时间线上）</source>
        <translation>Add a note (kept in the timeline)</translation>
    </message>
</context>
<context>
    <name>AddToGroupDialog</name>
    <message>
        <source>分组</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>加入分组</source>
        <translation>Add to group</translation>
    </message>
    <message>
        <source>把选中的 {n} 位客户加入静态分组。</source>
        <translation>Add the {n} selected customers to a static group.</translation>
    </message>
    <message>
        <source>新分组</source>
        <translation>New group</translation>
    </message>
    <message>
        <source>新分组的名称</source>
        <translation>Name of the new group</translation>
    </message>
    <message>
        <source>＋ 新建分组…</source>
        <translation>+ New group…</translation>
    </message>
</context>
<context>
    <name>Aftersales</name>
    <message>
        <source>PDF</source>
        <translation>PDF</translation>
    </message>
    <message>
        <source>「{name}」不是可作为证据的文件：只能添加图片（JPG、PNG、GIF、BMP、WebP）、PDF 或纯文本。</source>
        <translation>“{name}” cannot be used as evidence: only pictures (JPG, PNG, GIF, BMP, WebP), PDF and plain text can be added.</translation>
    </message>
    <message>
        <source>「{name}」不是文件。</source>
        <translation>“{name}” is not a file.</translation>
    </message>
    <message>
        <source>「{name}」太大，证据文件最大 {limit_mb} MB。</source>
        <translation>“{name}” is too large; evidence files can be at most {limit_mb} MB.</translation>
    </message>
    <message>
        <source>「{name}」是一个链接（快捷方式），不能作为证据。请选择它指向的原文件。</source>
        <translation>“{name}” is a link (shortcut) and cannot be used as evidence. Choose the file it points to instead.</translation>
    </message>
    <message>
        <source>「{name}」的内容与文件扩展名不符（扩展名是{claimed}，内容是{actual}），未添加。</source>
        <translation>The content of “{name}” does not match its file extension (the extension says {claimed}, the content is {actual}); it was not added.</translation>
    </message>
    <message>
        <source>七天无理由</source>
        <translation>7-day no-reason</translation>
    </message>
    <message>
        <source>七天无理由（不喜欢、尺码不合适）</source>
        <translation>7-day no-reason (doesn&apos;t like it, wrong size)</translation>
    </message>
    <message>
        <source>不涉及</source>
        <translation>Not applicable</translation>
    </message>
    <message>
        <source>不能从「{from_state}」变为「{to_state}」。</source>
        <translation>A case cannot go from “{from_state}” to “{to_state}”.</translation>
    </message>
    <message>
        <source>与描述不符</source>
        <translation>Not as described</translation>
    </message>
    <message>
        <source>与描述不符（色差、材质）</source>
        <translation>Not as described (colour, material)</translation>
    </message>
    <message>
        <source>中</source>
        <translation>medium</translation>
    </message>
    <message>
        <source>中评</source>
        <translation>Neutral</translation>
    </message>
    <message>
        <source>买家已申请介入</source>
        <translation>Buyer asked the platform to step in</translation>
    </message>
    <message>
        <source>买家承担</source>
        <translation>Buyer pays</translation>
    </message>
    <message>
        <source>人为损坏</source>
        <translation>Damaged by the buyer</translation>
    </message>
    <message>
        <source>仅退款</source>
        <translation>Refund only</translation>
    </message>
    <message>
        <source>优惠券</source>
        <translation>Coupon</translation>
    </message>
    <message>
        <source>低</source>
        <translation>low</translation>
    </message>
    <message>
        <source>倾听</source>
        <translation>Listen</translation>
    </message>
    <message>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>其他原因</source>
        <translation>other reason</translation>
    </message>
    <message>
        <source>其他商品问题</source>
        <translation>Other product problem</translation>
    </message>
    <message>
        <source>其他服务问题</source>
        <translation>Other service problem</translation>
    </message>
    <message>
        <source>准备材料</source>
        <translation>Preparing</translation>
    </message>
    <message>
        <source>创建</source>
        <translation>Created</translation>
    </message>
    <message>
        <source>判定支持买家</source>
        <translation>Ruled for the buyer</translation>
    </message>
    <message>
        <source>判定支持卖家</source>
        <translation>Ruled for the shop</translation>
    </message>
    <message>
        <source>功能失效</source>
        <translation>Does not work</translation>
    </message>
    <message>
        <source>原因最多 {limit} 个字。</source>
        <translation>The reason can be at most {limit} characters.</translation>
    </message>
    <message>
        <source>双方协商</source>
        <translation>Agreed between both</translation>
    </message>
    <message>
        <source>发票</source>
        <translation>Invoice</translation>
    </message>
    <message>
        <source>发货延迟</source>
        <translation>Late shipping</translation>
    </message>
    <message>
        <source>发送给买家</source>
        <translation>Sent to the buyer</translation>
    </message>
    <message>
        <source>发错货</source>
        <translation>wrong item sent</translation>
    </message>
    <message>
        <source>发错货（颜色、尺码、款式）</source>
        <translation>Wrong item sent (colour, size, style)</translation>
    </message>
    <message>
        <source>合理补偿：优惠券、运费、部分退款</source>
        <translation>Fair compensation: coupon, shipping, partial refund</translation>
    </message>
    <message>
        <source>响应不及时</source>
        <translation>Slow response</translation>
    </message>
    <message>
        <source>售后态度不佳</source>
        <translation>Poor after-sales attitude</translation>
    </message>
    <message>
        <source>商品损坏</source>
        <translation>Damaged goods</translation>
    </message>
    <message>
        <source>商品质量</source>
        <translation>Product quality</translation>
    </message>
    <message>
        <source>回复不能为空。</source>
        <translation>The reply cannot be empty.</translation>
    </message>
    <message>
        <source>回复最多 {limit} 个字（现在 {length} 个）。</source>
        <translation>A reply can be at most {limit} characters (now {length}).</translation>
    </message>
    <message>
        <source>回复评价</source>
        <translation>Replied to the review</translation>
    </message>
    <message>
        <source>回访</source>
        <translation>Follow-up</translation>
    </message>
    <message>
        <source>图片</source>
        <translation>Picture</translation>
    </message>
    <message>
        <source>备注</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>好评</source>
        <translation>Positive</translation>
    </message>
    <message>
        <source>审核时限</source>
        <translation>Review deadline</translation>
    </message>
    <message>
        <source>少件 / 漏发</source>
        <translation>Missing item</translation>
    </message>
    <message>
        <source>少件漏发</source>
        <translation>missing item</translation>
    </message>
    <message>
        <source>尺寸颜色错误</source>
        <translation>Wrong size or colour</translation>
    </message>
    <message>
        <source>差评</source>
        <translation>Negative</translation>
    </message>
    <message>
        <source>已提交</source>
        <translation>Submitted</translation>
    </message>
    <message>
        <source>已提交凭证</source>
        <translation>Evidence submitted</translation>
    </message>
    <message>
        <source>平台已介入</source>
        <translation>Platform has stepped in</translation>
    </message>
    <message>
        <source>平台未介入</source>
        <translation>Platform not involved</translation>
    </message>
    <message>
        <source>平台申诉前请先由客服判断并标记为疑似恶意（写明依据）；程序的评分只是参考。</source>
        <translation>Before appealing to the platform, mark the case as suspected malicious yourself (with your reasons); the program&apos;s score is only a hint.</translation>
    </message>
    <message>
        <source>店铺承担</source>
        <translation>Shop pays</translation>
    </message>
    <message>
        <source>情况说明</source>
        <translation>Statement</translation>
    </message>
    <message>
        <source>找不到该工单，可能已被删除。</source>
        <translation>Case not found; it may have been deleted.</translation>
    </message>
    <message>
        <source>投诉</source>
        <translation>Complaint</translation>
    </message>
    <message>
        <source>按约定时间回访，确认买家满意</source>
        <translation>Call back at the agreed time and check the buyer is satisfied</translation>
    </message>
    <message>
        <source>换货</source>
        <translation>Exchange</translation>
    </message>
    <message>
        <source>政策检查</source>
        <translation>Policy check</translation>
    </message>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>文本</source>
        <translation>text</translation>
    </message>
    <message>
        <source>方案</source>
        <translation>Solution</translation>
    </message>
    <message>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <source>无法读取「{name}」：{reason}</source>
        <translation>Cannot read “{name}”: {reason}</translation>
    </message>
    <message>
        <source>更新记录</source>
        <translation>Record updated</translation>
    </message>
    <message>
        <source>服务质量</source>
        <translation>Service quality</translation>
    </message>
    <message>
        <source>未发货</source>
        <translation>not shipped</translation>
    </message>
    <message>
        <source>未发货，不想要了</source>
        <translation>Not shipped yet, no longer wanted</translation>
    </message>
    <message>
        <source>未收到货</source>
        <translation>Not received</translation>
    </message>
    <message>
        <source>未申诉</source>
        <translation>No appeal</translation>
    </message>
    <message>
        <source>正常投诉</source>
        <translation>Normal complaint</translation>
    </message>
    <message>
        <source>没有设置证据存放目录。</source>
        <translation>No evidence folder is set.</translation>
    </message>
    <message>
        <source>物流轨迹</source>
        <translation>Logistics trace</translation>
    </message>
    <message>
        <source>状态变更</source>
        <translation>Status change</translation>
    </message>
    <message>
        <source>申诉成功</source>
        <translation>Appeal upheld</translation>
    </message>
    <message>
        <source>申诉驳回</source>
        <translation>Appeal rejected</translation>
    </message>
    <message>
        <source>疑似恶意投诉</source>
        <translation>Suspected malicious complaint</translation>
    </message>
    <message>
        <source>真诚道歉，不推卸责任</source>
        <translation>Apologise sincerely, don&apos;t shift the blame</translation>
    </message>
    <message>
        <source>积分</source>
        <translation>Points</translation>
    </message>
    <message>
        <source>纠纷</source>
        <translation>Dispute</translation>
    </message>
    <message>
        <source>给出退换、维修或补发方案</source>
        <translation>Offer a return, exchange, repair or resend</translation>
    </message>
    <message>
        <source>维修</source>
        <translation>Repair</translation>
    </message>
    <message>
        <source>聊天记录</source>
        <translation>Chat messages</translation>
    </message>
    <message>
        <source>致歉</source>
        <translation>Apologise</translation>
    </message>
    <message>
        <source>补偿</source>
        <translation>Compensation</translation>
    </message>
    <message>
        <source>表单还有 {count} 处需要修改。</source>
        <translation>The form still has {count} problems to fix.</translation>
    </message>
    <message>
        <source>订单快照</source>
        <translation>Order snapshot</translation>
    </message>
    <message>
        <source>让买家说完，确认问题和诉求</source>
        <translation>Let the buyer finish; confirm the problem and what they want</translation>
    </message>
    <message>
        <source>证据</source>
        <translation>Evidence</translation>
    </message>
    <message>
        <source>评价</source>
        <translation>Review</translation>
    </message>
    <message>
        <source>该工单没有关联订单。</source>
        <translation>This case has no order.</translation>
    </message>
    <message>
        <source>该工单类型不支持此操作。</source>
        <translation>This kind of case does not support that.</translation>
    </message>
    <message>
        <source>该证据已被移除。</source>
        <translation>That evidence was removed.</translation>
    </message>
    <message>
        <source>请先写好回复内容再发布。</source>
        <translation>Write the reply before posting it.</translation>
    </message>
    <message>
        <source>请写明判断依据。</source>
        <translation>Please write down your reasons.</translation>
    </message>
    <message>
        <source>请写明原因（会记录在工单的时间线上）。</source>
        <translation>Please give the reason (it goes into the case timeline).</translation>
    </message>
    <message>
        <source>请填写大于 0 的金额。</source>
        <translation>Enter an amount greater than 0.</translation>
    </message>
    <message>
        <source>请填写运单号。</source>
        <translation>Enter the tracking number.</translation>
    </message>
    <message>
        <source>货不对板</source>
        <translation>Not as described</translation>
    </message>
    <message>
        <source>质量问题</source>
        <translation>Quality problem</translation>
    </message>
    <message>
        <source>赠品 / 补发</source>
        <translation>Gift / resend</translation>
    </message>
    <message>
        <source>跟进</source>
        <translation>Follow up</translation>
    </message>
    <message>
        <source>运单号应为 6–30 位字母或数字。</source>
        <translation>A tracking number has 6–30 letters or digits.</translation>
    </message>
    <message>
        <source>运费</source>
        <translation>Shipping fee</translation>
    </message>
    <message>
        <source>运费补偿</source>
        <translation>Shipping refund</translation>
    </message>
    <message>
        <source>运输破损</source>
        <translation>Damaged in transit</translation>
    </message>
    <message>
        <source>退换货流程复杂</source>
        <translation>Complicated returns</translation>
    </message>
    <message>
        <source>退款</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>退款金额</source>
        <translation>Refund amount</translation>
    </message>
    <message>
        <source>退货</source>
        <translation>Return</translation>
    </message>
    <message>
        <source>退货退款</source>
        <translation>Return and refund</translation>
    </message>
    <message>
        <source>部分退款</source>
        <translation>Partial refund</translation>
    </message>
    <message>
        <source>金额不能超过实付款 {limit}。</source>
        <translation>The amount cannot exceed the amount paid, {limit}.</translation>
    </message>
    <message>
        <source>风险信号</source>
        <translation>Risk signals</translation>
    </message>
    <message>
        <source>高</source>
        <translation>high</translation>
    </message>
</context>
<context>
    <name>AftersalesPage</name>
    <message>
        <source>{n} 个时限即将到期或已逾期（逾期 {overdue}）：{no} {label} {time}</source>
        <translation>{n} deadlines due soon or overdue ({overdue} overdue): {no} {label} {time}</translation>
    </message>
    <message>
        <source>× 全部客户</source>
        <translation>× All customers</translation>
    </message>
    <message>
        <source>全部状态</source>
        <translation>All states</translation>
    </message>
    <message>
        <source>全部类型</source>
        <translation>All kinds</translation>
    </message>
    <message>
        <source>共 {n} 个工单</source>
        <translation>{n} cases</translation>
    </message>
    <message>
        <source>只看未完结</source>
        <translation>Open only</translation>
    </message>
    <message>
        <source>售后工单</source>
        <translation>After-sales cases</translation>
    </message>
    <message>
        <source>售后工单列表</source>
        <translation>After-sales case list</translation>
    </message>
    <message>
        <source>客户 #{id}</source>
        <translation>Customer #{id}</translation>
    </message>
    <message>
        <source>客户：{nick}</source>
        <translation>Customer: {nick}</translation>
    </message>
    <message>
        <source>搜索单号、客户、订单号、内容</source>
        <translation>Search case no., customer, order no., text</translation>
    </message>
    <message>
        <source>新建 ▾</source>
        <translation>New ▾</translation>
    </message>
    <message>
        <source>点击打开最早到期的工单</source>
        <translation>Click to open the case due first</translation>
    </message>
    <message>
        <source>评价管理</source>
        <translation>Reviews</translation>
    </message>
    <message>
        <source>选择一个工单查看详情，或点「新建」登记售后、投诉和纠纷。</source>
        <translation>Pick a case to see it, or click “New” to register an after-sales case, complaint or dispute.</translation>
    </message>
</context>
<context>
    <name>AftersalesPanel</name>
    <message>
        <source>为当前买家发起售后</source>
        <translation>Start after-sales for this buyer</translation>
    </message>
    <message>
        <source>买家不在聊天中，已作为离线消息发送，买家下次进店时看到。</source>
        <translation>The buyer is not in a chat: sent as an offline message they see on their next visit.</translation>
    </message>
    <message>
        <source>发送处理进度</source>
        <translation>Send progress</translation>
    </message>
    <message>
        <source>发送寄回地址</source>
        <translation>Send return address</translation>
    </message>
    <message>
        <source>已创建售后单 {no}</source>
        <translation>Case {no} created</translation>
    </message>
    <message>
        <source>已放入聊天输入框，确认后发送。</source>
        <translation>Put in the chat&apos;s message box: check it, then send.</translation>
    </message>
    <message>
        <source>该买家的售后单</source>
        <translation>This buyer&apos;s cases</translation>
    </message>
    <message>
        <source>该买家还没有售后单。</source>
        <translation>This buyer has no cases yet.</translation>
    </message>
</context>
<context>
    <name>AnswerCard</name>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>机器人回复买家的内容</source>
        <translation>What the bot replies to the customer</translation>
    </message>
    <message>
        <source>答案 {n}</source>
        <translation>Answer {n}</translation>
    </message>
    <message>
        <source>至</source>
        <translation>to</translation>
    </message>
    <message>
        <source>限定生效时间</source>
        <translation>Only valid from</translation>
    </message>
</context>
<context>
    <name>AppealBox</name>
    <message>
        <source>平台申诉</source>
        <translation>Platform appeal</translation>
    </message>
    <message>
        <source>平台给的申诉单号</source>
        <translation>Appeal number from the platform</translation>
    </message>
    <message>
        <source>申诉单号</source>
        <translation>Appeal no.</translation>
    </message>
    <message>
        <source>申诉理由和提交的证据</source>
        <translation>Grounds of the appeal and the evidence submitted</translation>
    </message>
    <message>
        <source>申诉说明</source>
        <translation>Appeal notes</translation>
    </message>
</context>
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
        <source>智能辅助建议</source>
        <translation>Smart assist suggestions</translation>
    </message>
    <message>
        <source>根据买家尚未回复的消息推荐回复；点聊天里的买家消息，看针对它的推荐</source>
        <translation>Replies suggested for the buyer&apos;s unanswered messages; click a buyer&apos;s message in the chat for suggestions on it</translation>
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
    <name>AutoMessagesTab</name>
    <message>
        <source> 个/分钟</source>
        <translation> per minute</translation>
    </message>
    <message>
        <source> 元</source>
        <translation> yuan</translation>
    </message>
    <message>
        <source> 分钟</source>
        <translation> minutes</translation>
    </message>
    <message>
        <source> 小时</source>
        <translation> hours</translation>
    </message>
    <message>
        <source>88VIP 客户</source>
        <translation>88VIP customers</translation>
    </message>
    <message>
        <source>「{kind}」已保存。</source>
        <translation>{kind} saved.</translation>
    </message>
    <message>
        <source>下单后</source>
        <translation>After ordering</translation>
    </message>
    <message>
        <source>不催付曾给过差评的买家</source>
        <translation>Skip customers who left a bad review before</translation>
    </message>
    <message>
        <source>买家</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>仍未付款时提醒</source>
        <translation>unpaid: send a reminder</translation>
    </message>
    <message>
        <source>仍未发货时发送</source>
        <translation>not shipped: send the notice</translation>
    </message>
    <message>
        <source>付款后超过</source>
        <translation>Paid more than</translation>
    </message>
    <message>
        <source>低于此金额的订单不催付</source>
        <translation>no reminder for smaller orders</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>免打扰</source>
        <translation>Quiet hours</translation>
    </message>
    <message>
        <source>免打扰时段</source>
        <translation>Quiet hours</translation>
    </message>
    <message>
        <source>全部客户</source>
        <translation>All customers</translation>
    </message>
    <message>
        <source>共 {total} 条，显示 {shown} 条</source>
        <translation>{total} in all, {shown} shown</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>加载更早的记录</source>
        <translation>Load older</translation>
    </message>
    <message>
        <source>发送</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>发送记录</source>
        <translation>Sent messages</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>将发给 {n} 位客户</source>
        <translation>Goes to {n} customers</translation>
    </message>
    <message>
        <source>已发送给 {n} 位客户。</source>
        <translation>Sent to {n} customers.</translation>
    </message>
    <message>
        <source>已开启</source>
        <translation>on</translation>
    </message>
    <message>
        <source>开启</source>
        <translation>On</translation>
    </message>
    <message>
        <source>批量发消息</source>
        <translation>Bulk message</translation>
    </message>
    <message>
        <source>按会员等级</source>
        <translation>By member level</translation>
    </message>
    <message>
        <source>按标签</source>
        <translation>By tag</translation>
    </message>
    <message>
        <source>按订单状态</source>
        <translation>By order state</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>最低金额</source>
        <translation>Minimum amount</translation>
    </message>
    <message>
        <source>期间不发，结束后补发</source>
        <translation>nothing is sent then; it goes out when they end</translation>
    </message>
    <message>
        <source>未开启</source>
        <translation>off</translation>
    </message>
    <message>
        <source>模拟订单事件</source>
        <translation>Simulated order events</translation>
    </message>
    <message>
        <source>正在统计…</source>
        <translation>Counting…</translation>
    </message>
    <message>
        <source>消息</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>确定发送给所选客户吗？发出后不能撤回。</source>
        <translation>Send to the selected customers? Sent messages cannot be recalled.</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>订单事件速度</source>
        <translation>Order events</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order number</translation>
    </message>
    <message>
        <source>订单有变化时自动给买家发消息；买家正在咨询时，消息也会出现在聊天里。</source>
        <translation>Messages sent to customers when their orders change; a customer who is chatting also sees them in the chat.</translation>
    </message>
    <message>
        <source>请先改正标红的内容。</source>
        <translation>Please correct the fields marked in red.</translation>
    </message>
    <message>
        <source>请先改正模板。</source>
        <translation>Please correct the template first.</translation>
    </message>
    <message>
        <source>课堂练习：模拟客户进店时，程序按这个速度让店铺的订单付款、发货、签收，并新下一些订单，触发上面开启的消息；确认收货的买家还会留下评价（在「售后 → 评价管理」处理）。设为 0 则订单不再变化。</source>
        <translation>Classroom practice: while simulated customers come in, the shop&apos;s orders are paid, shipped and signed at this pace, and new orders are placed, triggering the messages switched on above; buyers who confirm receipt also leave reviews (handled in After-sales → Reviews). At 0 the orders no longer change.</translation>
    </message>
    <message>
        <source>跟单消息</source>
        <translation>Order follow-up</translation>
    </message>
</context>
<context>
    <name>BackupPanel</name>
    <message>
        <source>下次启动时恢复</source>
        <translation>restored at the next start</translation>
    </message>
    <message>
        <source>从备份恢复</source>
        <translation>Restore from backup</translation>
    </message>
    <message>
        <source>从备份恢复…</source>
        <translation>Restore from backup…</translation>
    </message>
    <message>
        <source>升级前备份</source>
        <translation>before an upgrade</translation>
    </message>
    <message>
        <source>升级数据库前和每天自动备份，保存在：{folder}</source>
        <translation>Backed up automatically before each database upgrade and every day, into: {folder}</translation>
    </message>
    <message>
        <source>取消恢复</source>
        <translation>Cancel restore</translation>
    </message>
    <message>
        <source>已取消恢复。</source>
        <translation>Restore cancelled.</translation>
    </message>
    <message>
        <source>已备份：{name}</source>
        <translation>Backed up: {name}</translation>
    </message>
    <message>
        <source>已安排：下次启动时从 {name} 恢复。请关闭并重新打开工作台。</source>
        <translation>Scheduled: the next start restores {name}. Close the workbench and open it again.</translation>
    </message>
    <message>
        <source>手动备份</source>
        <translation>manual</translation>
    </message>
    <message>
        <source>数据库在服务器上（PostgreSQL）：备份由服务器负责，请让管理员用 pg_dump 等工具定期备份。工作台只为本机的 SQLite 数据库做备份。</source>
        <translation>The database is on a server (PostgreSQL): backups are the server&apos;s job; ask its administrator to back it up regularly with pg_dump or similar. The workbench backs up only a local SQLite database.</translation>
    </message>
    <message>
        <source>数据库还在打开中，稍后再来备份。</source>
        <translation>The database is still opening; come back to back it up in a moment.</translation>
    </message>
    <message>
        <source>正在备份…</source>
        <translation>Backing up…</translation>
    </message>
    <message>
        <source>正在检查备份…</source>
        <translation>Checking the backup…</translation>
    </message>
    <message>
        <source>每日备份</source>
        <translation>daily</translation>
    </message>
    <message>
        <source>用 {time} 的备份替换现在的数据库？

恢复在下次启动工作台时进行：现在的数据库文件会改名保留在原处，此后的改动不在备份中。</source>
        <translation>Replace the current database with the backup of {time}?

The restore happens at the next start of the workbench: the current database file is kept beside it under a new name; changes made since the backup are not in the backup.</translation>
    </message>
    <message>
        <source>立即备份</source>
        <translation>Back up now</translation>
    </message>
    <message>
        <source>还没有备份</source>
        <translation>No backups yet</translation>
    </message>
</context>
<context>
    <name>BotErrors</name>
    <message>
        <source>「{name}」不能用在这类消息里。</source>
        <translation>{name} cannot be used in this kind of message.</translation>
    </message>
    <message>
        <source>「全部人工配置」至少要添加一个卡片问题。</source>
        <translation>With all questions set by hand, add at least one card question.</translation>
    </message>
    <message>
        <source>一次最多发给 {limit} 位客户，请缩小范围。</source>
        <translation>At most {limit} customers at a time; please narrow the group.</translation>
    </message>
    <message>
        <source>不能删除当前登录的账号。</source>
        <translation>You can&apos;t delete the account you are signed in with.</translation>
    </message>
    <message>
        <source>免打扰的开始和结束时间不能相同。</source>
        <translation>Quiet hours must start and end at different times.</translation>
    </message>
    <message>
        <source>关键词「{keyword}」太长，最多 {limit} 个字。</source>
        <translation>Keyword {keyword} is too long (max {limit} characters).</translation>
    </message>
    <message>
        <source>关键词最多 {limit} 个。</source>
        <translation>At most {limit} keywords.</translation>
    </message>
    <message>
        <source>内容不能为空。</source>
        <translation>This can&apos;t be empty.</translation>
    </message>
    <message>
        <source>内容太长：{length} 字，最多 {limit} 字。</source>
        <translation>Too long: {length} characters (max {limit}).</translation>
    </message>
    <message>
        <source>分组关键词最多 {limit} 个。</source>
        <translation>At most {limit} group keywords.</translation>
    </message>
    <message>
        <source>卡片问题「{question}」重复了。</source>
        <translation>Card question {question} appears twice.</translation>
    </message>
    <message>
        <source>卡片问题最多 {limit} 个。</source>
        <translation>At most {limit} card questions.</translation>
    </message>
    <message>
        <source>延迟时间应在 0 到 {limit} 分钟之间。</source>
        <translation>The delay must be between 0 and {limit} minutes.</translation>
    </message>
    <message>
        <source>快捷按钮最多 {limit} 个。</source>
        <translation>At most {limit} quick buttons.</translation>
    </message>
    <message>
        <source>情绪灵敏度无效。</source>
        <translation>Invalid emotion sensitivity.</translation>
    </message>
    <message>
        <source>找不到该子账号，可能已被删除。</source>
        <translation>Sub-account not found; it may have been deleted.</translation>
    </message>
    <message>
        <source>接待上限应在 {low} 到 {high} 之间。</source>
        <translation>Capacity must be between {low} and {high}.</translation>
    </message>
    <message>
        <source>接待组「{name}」已存在。</source>
        <translation>A reception group named {name} already exists.</translation>
    </message>
    <message>
        <source>接待组名称最多 {limit} 个字。</source>
        <translation>Group names have at most {limit} characters.</translation>
    </message>
    <message>
        <source>时间「{value}」无效，请按 时:分 填写，如 08:30。</source>
        <translation>Invalid time {value}; use hours:minutes, e.g. 08:30.</translation>
    </message>
    <message>
        <source>昵称最多 {limit} 个字。</source>
        <translation>The name has at most {limit} characters.</translation>
    </message>
    <message>
        <source>最低金额不能为负数。</source>
        <translation>The minimum amount can&apos;t be negative.</translation>
    </message>
    <message>
        <source>最多设置 {limit} 个自定义时段。</source>
        <translation>At most {limit} custom periods.</translation>
    </message>
    <message>
        <source>机器人接待比例应在 0 到 100 之间。</source>
        <translation>The bot&apos;s share must be between 0 and 100.</translation>
    </message>
    <message>
        <source>模拟订单事件应在每分钟 0 到 60 个之间。</source>
        <translation>Order events must be between 0 and 60 per minute.</translation>
    </message>
    <message>
        <source>模板太长：{length} 字，最多 {limit} 字。</source>
        <translation>Template too long: {length} characters (max {limit}).</translation>
    </message>
    <message>
        <source>没有「{name}」这个变量，请从下方按钮插入。</source>
        <translation>There is no variable {name}; insert one with the buttons below.</translation>
    </message>
    <message>
        <source>消息模板不能为空。</source>
        <translation>The template can&apos;t be empty.</translation>
    </message>
    <message>
        <source>第 {row} 个卡片问题是空的。</source>
        <translation>Card question {row} is empty.</translation>
    </message>
    <message>
        <source>第 {row} 个快捷按钮发送的内容最多 {limit} 个字。</source>
        <translation>Quick button {row} sends at most {limit} characters.</translation>
    </message>
    <message>
        <source>第 {row} 个快捷按钮名称最多 {limit} 个字。</source>
        <translation>Quick button {row}&apos;s name has at most {limit} characters.</translation>
    </message>
    <message>
        <source>第 {row} 个快捷按钮没有名称。</source>
        <translation>Quick button {row} has no name.</translation>
    </message>
    <message>
        <source>第 {row} 个时段与前面的时段重叠。</source>
        <translation>Period {row} overlaps an earlier one.</translation>
    </message>
    <message>
        <source>第 {row} 个时段的开始和结束时间相同。</source>
        <translation>Period {row} starts and ends at the same time.</translation>
    </message>
    <message>
        <source>花括号不成对，请检查模板里变量的写法。</source>
        <translation>Unmatched braces; check how the variables are written.</translation>
    </message>
    <message>
        <source>请填写接待组名称。</source>
        <translation>Please enter a group name.</translation>
    </message>
    <message>
        <source>请填写昵称。</source>
        <translation>Please enter a display name.</translation>
    </message>
    <message>
        <source>请填写机器人昵称。</source>
        <translation>Please enter the bot&apos;s nickname.</translation>
    </message>
    <message>
        <source>请填写账号名。</source>
        <translation>Please enter an account name.</translation>
    </message>
    <message>
        <source>请选择要发送的客户组。</source>
        <translation>Please choose who to send to.</translation>
    </message>
    <message>
        <source>账号名「{username}」已存在。</source>
        <translation>Account name {username} is taken.</translation>
    </message>
    <message>
        <source>账号名只能包含中文、字母、数字和 _ . - :，不能有空格。</source>
        <translation>Account names may contain Chinese characters, letters, digits and _ . - : but no spaces.</translation>
    </message>
    <message>
        <source>账号名最多 {limit} 个字符。</source>
        <translation>Account names have at most {limit} characters.</translation>
    </message>
    <message>
        <source>这组客户里没有人。</source>
        <translation>Nobody is in this group of customers.</translation>
    </message>
    <message>
        <source>连续未识别条数应在 0 到 {limit} 之间。</source>
        <translation>Unmatched messages in a row must be between 0 and {limit}.</translation>
    </message>
    <message>
        <source>重复次数应为 0（不启用）或 2 到 {limit}。</source>
        <translation>Repeats must be 0 (off) or between 2 and {limit}.</translation>
    </message>
</context>
<context>
    <name>BotLabels</name>
    <message>
        <source>下单后未付款，在设定的时间后提醒一次；可设最低金额、跳过有差评的买家和免打扰时段。</source>
        <translation>Reminds once, a set time after an unpaid order; with a minimum amount, skipping customers with bad reviews, and quiet hours.</translation>
    </message>
    <message>
        <source>主管</source>
        <translation>Supervisor</translation>
    </message>
    <message>
        <source>主账号</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>买家付款后立即发送，告知发货时间。</source>
        <translation>Sent as soon as the customer pays, with when the order ships.</translation>
    </message>
    <message>
        <source>买家给出好评后发送感谢。</source>
        <translation>Thanks the customer for a good review.</translation>
    </message>
    <message>
        <source>人工优先</source>
        <translation>Humans first</translation>
    </message>
    <message>
        <source>人机混合</source>
        <translation>Mixed</translation>
    </message>
    <message>
        <source>付款后超过设定时间仍未发货时，主动致歉说明。</source>
        <translation>Apologises when an order is still not shipped a set time after payment.</translation>
    </message>
    <message>
        <source>付款消息</source>
        <translation>Payment received</translation>
    </message>
    <message>
        <source>优先分给接待最少的</source>
        <translation>Least busy first</translation>
    </message>
    <message>
        <source>全自动</source>
        <translation>Full-auto</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Off</translation>
    </message>
    <message>
        <source>发货提醒</source>
        <translation>Shipped</translation>
    </message>
    <message>
        <source>售后</source>
        <translation>After-sales</translation>
    </message>
    <message>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>好评自动回复</source>
        <translation>Good review thanks</translation>
    </message>
    <message>
        <source>学生</source>
        <translation>Student</translation>
    </message>
    <message>
        <source>客服</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>已发送</source>
        <translation>Sent</translation>
    </message>
    <message>
        <source>已跳过</source>
        <translation>Skipped</translation>
    </message>
    <message>
        <source>延迟发货通知</source>
        <translation>Shipping delayed</translation>
    </message>
    <message>
        <source>忙碌自动回复</source>
        <translation>Busy auto reply</translation>
    </message>
    <message>
        <source>批量发消息</source>
        <translation>Bulk message</translation>
    </message>
    <message>
        <source>挂起</source>
        <translation>Away</translation>
    </message>
    <message>
        <source>教师</source>
        <translation>Teacher</translation>
    </message>
    <message>
        <source>智能辅助</source>
        <translation>Smart assist</translation>
    </message>
    <message>
        <source>机器人优先</source>
        <translation>Bot first</translation>
    </message>
    <message>
        <source>没有客服能接待新进店的买家时（都挂起或离线，或分流找不到空闲客服）自动回复一次。</source>
        <translation>Sent once to a new buyer no agent can take (all suspended or offline, or routing finds nobody free).</translation>
    </message>
    <message>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>自动催付</source>
        <translation>Payment reminder</translation>
    </message>
    <message>
        <source>订单发货后发送物流公司和运单号。</source>
        <translation>Sends the carrier and tracking number once the order ships.</translation>
    </message>
    <message>
        <source>负面情绪</source>
        <translation>Negative emotion</translation>
    </message>
    <message>
        <source>转人工关键词</source>
        <translation>Transfer keyword</translation>
    </message>
    <message>
        <source>轮流分配</source>
        <translation>Round robin</translation>
    </message>
    <message>
        <source>连续未识别</source>
        <translation>Unmatched in a row</translation>
    </message>
    <message>
        <source>选择一组客户，一次发送同一条消息。</source>
        <translation>Send one message to a group of customers at once.</translation>
    </message>
    <message>
        <source>重复提问</source>
        <translation>Repeated question</translation>
    </message>
    <message>
        <source>需人工处理的问题</source>
        <translation>Needs a human</translation>
    </message>
</context>
<context>
    <name>BotSettingsPage</name>
    <message>
        <source>子账号与分流</source>
        <translation>Sub-accounts and routing</translation>
    </message>
    <message>
        <source>店小蜜 · 智能客服</source>
        <translation>Shop Assistant · Smart service</translation>
    </message>
    <message>
        <source>接待模式</source>
        <translation>Reception mode</translation>
    </message>
    <message>
        <source>欢迎语</source>
        <translation>Welcome</translation>
    </message>
    <message>
        <source>自动消息</source>
        <translation>Auto messages</translation>
    </message>
    <message>
        <source>设置机器人的欢迎语、转人工规则、接待模式、子账号分流和自动消息。</source>
        <translation>Set the bot&apos;s welcome, transfer rules, reception mode, sub-account routing and auto messages.</translation>
    </message>
    <message>
        <source>转人工</source>
        <translation>Transfer to human</translation>
    </message>
</context>
<context>
    <name>BulkTagDialog</name>
    <message>
        <source>批量打标签</source>
        <translation>Tag customers</translation>
    </message>
    <message>
        <source>标签</source>
        <translation>Tags</translation>
    </message>
    <message>
        <source>给选中的 {n} 位客户加上标签（没有的标签会自动新建）。</source>
        <translation>Tag the {n} selected customers (a new tag is created if needed).</translation>
    </message>
    <message>
        <source>输入或选择标签</source>
        <translation>Type or pick a tag</translation>
    </message>
</context>
<context>
    <name>CareDialog</name>
    <message>
        <source>发送</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>发送关怀消息</source>
        <translation>Send a care message</translation>
    </message>
    <message>
        <source>消息会发到 {n} 位客户的聊天窗口，并记入回访，等待记录结果。</source>
        <translation>The message goes into the chats of {n} customers and is logged as a follow-up awaiting its outcome.</translation>
    </message>
    <message>
        <source>话术</source>
        <translation>Template</translation>
    </message>
    <message>
        <source>预览</source>
        <translation>Preview</translation>
    </message>
</context>
<context>
    <name>CareMessageDialog</name>
    <message>
        <source>写给客户的话…</source>
        <translation>Your message to the customer…</translation>
    </message>
    <message>
        <source>发送</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>发送关怀：{nick}</source>
        <translation>Care message to {nick}</translation>
    </message>
    <message>
        <source>消息</source>
        <translation>Message</translation>
    </message>
</context>
<context>
    <name>CareTemplateDialog</name>
    <message>
        <source>内容</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>占位符</source>
        <translation>Placeholders</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>插入占位符</source>
        <translation>Insert placeholder</translation>
    </message>
    <message>
        <source>新建关怀话术</source>
        <translation>New care template</translation>
    </message>
    <message>
        <source>编辑关怀话术</source>
        <translation>Edit care template</translation>
    </message>
</context>
<context>
    <name>CaseAction</name>
    <message>
        <source>修好寄回</source>
        <translation>Send back repaired</translation>
    </message>
    <message>
        <source>发出换新</source>
        <translation>Send replacement</translation>
    </message>
    <message>
        <source>回复</source>
        <translation>Reply</translation>
    </message>
    <message>
        <source>完成</source>
        <translation>Complete</translation>
    </message>
    <message>
        <source>审核通过，待寄回</source>
        <translation>Approve, await return</translation>
    </message>
    <message>
        <source>已回访</source>
        <translation>Followed up</translation>
    </message>
    <message>
        <source>已提交凭证</source>
        <translation>Evidence submitted</translation>
    </message>
    <message>
        <source>已联系买家</source>
        <translation>Buyer contacted</translation>
    </message>
    <message>
        <source>已解决</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>平台介入</source>
        <translation>Platform steps in</translation>
    </message>
    <message>
        <source>平台申诉</source>
        <translation>Appeal to platform</translation>
    </message>
    <message>
        <source>开始处理</source>
        <translation>Start handling</translation>
    </message>
    <message>
        <source>开始审核</source>
        <translation>Start review</translation>
    </message>
    <message>
        <source>开始维修</source>
        <translation>Start repair</translation>
    </message>
    <message>
        <source>报维修费</source>
        <translation>Quote repair fee</translation>
    </message>
    <message>
        <source>拒绝</source>
        <translation>Reject</translation>
    </message>
    <message>
        <source>撤销</source>
        <translation>Cancel case</translation>
    </message>
    <message>
        <source>申诉成功</source>
        <translation>Appeal upheld</translation>
    </message>
    <message>
        <source>申诉未通过</source>
        <translation>Appeal rejected</translation>
    </message>
    <message>
        <source>登记买家寄回</source>
        <translation>Buyer sent it back</translation>
    </message>
    <message>
        <source>登记平台判定</source>
        <translation>Record the ruling</translation>
    </message>
    <message>
        <source>确认收到退回件</source>
        <translation>Returned goods received</translation>
    </message>
    <message>
        <source>达成一致</source>
        <translation>Agreement reached</translation>
    </message>
    <message>
        <source>退款</source>
        <translation>Refund</translation>
    </message>
</context>
<context>
    <name>CaseFileView</name>
    <message>
        <source>PDF 文件 (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
    <message>
        <source>{no}_证据材料.pdf</source>
        <translation>{no}_evidence.pdf</translation>
    </message>
    <message>
        <source>回复：必填</source>
        <translation>Reply: required</translation>
    </message>
    <message>
        <source>客服复核后取消</source>
        <translation>Withdrawn after the agent&apos;s review</translation>
    </message>
    <message>
        <source>导出证据包</source>
        <translation>Export evidence packet</translation>
    </message>
    <message>
        <source>导出证据包：{name}</source>
        <translation>Evidence packet exported: {name}</translation>
    </message>
    <message>
        <source>请写明判断依据（例如：聊天中以删评为条件索要钱财）。</source>
        <translation>Please write down your reasons (e.g. asked for money in the chat to remove the review).</translation>
    </message>
</context>
<context>
    <name>CaseForm</name>
    <message>
        <source>客户：{nick}</source>
        <translation>Customer: {nick}</translation>
    </message>
</context>
<context>
    <name>CaseHeader</name>
    <message>
        <source>客户 {nick}</source>
        <translation>Customer {nick}</translation>
    </message>
    <message>
        <source>客服判定：疑似恶意</source>
        <translation>Agent&apos;s judgement: suspected malicious</translation>
    </message>
    <message>
        <source>客服判定：疑似职业差评师</source>
        <translation>Agent&apos;s judgement: suspected professional bad reviewer</translation>
    </message>
    <message>
        <source>时限：{time}</source>
        <translation>Due: {time}</translation>
    </message>
    <message>
        <source>时限：{time}（已逾期）</source>
        <translation>Due: {time} (overdue)</translation>
    </message>
    <message>
        <source>来自会话</source>
        <translation>from a chat</translation>
    </message>
    <message>
        <source>登记 {time}</source>
        <translation>registered {time}</translation>
    </message>
    <message>
        <source>订单 {no}</source>
        <translation>order {no}</translation>
    </message>
</context>
<context>
    <name>CaseRiskPanel</name>
    <message>
        <source>恶意投诉信号</source>
        <translation>Malicious-complaint signals</translation>
    </message>
    <message>
        <source>职业差评师风险</source>
        <translation>Professional bad reviewer risk</translation>
    </message>
    <message>
        <source>重新检查</source>
        <translation>Check again</translation>
    </message>
    <message>
        <source>风险信号</source>
        <translation>Risk signals</translation>
    </message>
</context>
<context>
    <name>CaseState</name>
    <message>
        <source>买家已寄回</source>
        <translation>Returned by buyer</translation>
    </message>
    <message>
        <source>修好已寄回</source>
        <translation>Repaired and sent back</translation>
    </message>
    <message>
        <source>协商中</source>
        <translation>Negotiating</translation>
    </message>
    <message>
        <source>处理中</source>
        <translation>Handling</translation>
    </message>
    <message>
        <source>审核中</source>
        <translation>Under review</translation>
    </message>
    <message>
        <source>已举证</source>
        <translation>Evidence submitted</translation>
    </message>
    <message>
        <source>已回复</source>
        <translation>Replied</translation>
    </message>
    <message>
        <source>已回访</source>
        <translation>Followed up</translation>
    </message>
    <message>
        <source>已完成</source>
        <translation>Completed</translation>
    </message>
    <message>
        <source>已拒绝</source>
        <translation>Rejected</translation>
    </message>
    <message>
        <source>已撤销</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>已收货</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>已申请</source>
        <translation>Requested</translation>
    </message>
    <message>
        <source>已联系买家</source>
        <translation>Buyer contacted</translation>
    </message>
    <message>
        <source>已解决</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>已达成一致</source>
        <translation>Agreed</translation>
    </message>
    <message>
        <source>已退款</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>平台介入</source>
        <translation>Platform involved</translation>
    </message>
    <message>
        <source>平台已判定</source>
        <translation>Ruled</translation>
    </message>
    <message>
        <source>平台申诉中</source>
        <translation>Under appeal</translation>
    </message>
    <message>
        <source>待处理</source>
        <translation>Pending</translation>
    </message>
    <message>
        <source>待寄回</source>
        <translation>Awaiting return</translation>
    </message>
    <message>
        <source>待确认费用</source>
        <translation>Fee to confirm</translation>
    </message>
    <message>
        <source>换新已发出</source>
        <translation>Replacement sent</translation>
    </message>
    <message>
        <source>申诉成功</source>
        <translation>Appeal upheld</translation>
    </message>
    <message>
        <source>申诉未通过</source>
        <translation>Appeal rejected</translation>
    </message>
    <message>
        <source>维修中</source>
        <translation>Repairing</translation>
    </message>
</context>
<context>
    <name>CaseTable</name>
    <message>
        <source>下一个时限：{due}</source>
        <translation>Next deadline: {due}</translation>
    </message>
    <message>
        <source>单号</source>
        <translation>Case no.</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>摘要</source>
        <translation>Summary</translation>
    </message>
    <message>
        <source>更新时间</source>
        <translation>Updated</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order no.</translation>
    </message>
</context>
<context>
    <name>CaseTimeline</name>
    <message>
        <source>时间线</source>
        <translation>Timeline</translation>
    </message>
</context>
<context>
    <name>CategoryTree</name>
    <message>
        <source>{n} 条知识，其中 {on} 条启用</source>
        <translation>{n} entries, {on} switched on</translation>
    </message>
    <message>
        <source>全部知识</source>
        <translation>All knowledge</translation>
    </message>
    <message>
        <source>标准分类</source>
        <translation>Standard categories</translation>
    </message>
    <message>
        <source>自定义分类</source>
        <translation>Custom categories</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>{mark} {date} 的咨询 · {count} 条消息</source>
        <translation>{mark} Visit of {date} · {count} messages</translation>
    </message>
    <message>
        <source>买家评价：{rating} {stars}</source>
        <translation>Buyer&apos;s rating: {rating} {stars}</translation>
    </message>
    <message>
        <source>商品</source>
        <translation>Product</translation>
    </message>
    <message>
        <source>机器人</source>
        <translation>Bot</translation>
    </message>
    <message>
        <source>查看</source>
        <translation>View</translation>
    </message>
    <message>
        <source>订单</source>
        <translation>Order</translation>
    </message>
    <message>
        <source>邀请评价</source>
        <translation>Rating request</translation>
    </message>
</context>
<context>
    <name>ComplaintFormView</name>
    <message>
        <source>{state} · 实付 {total}</source>
        <translation>{state} · paid {total}</translation>
    </message>
    <message>
        <source>丢弃草稿</source>
        <translation>Discard draft</translation>
    </message>
    <message>
        <source>买家投诉的内容，尽量用买家的原话</source>
        <translation>What the buyer complains about, in their own words where possible</translation>
    </message>
    <message>
        <source>例如：10元无门槛券，补发收纳袋</source>
        <translation>e.g. a ¥10 coupon, resend the storage bag</translation>
    </message>
    <message>
        <source>例如：退货退款、补发、赔偿</source>
        <translation>e.g. return and refund, resend, compensation</translation>
    </message>
    <message>
        <source>保存处理记录</source>
        <translation>Save handling record</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>商品质量投诉必须关联订单</source>
        <translation>A product complaint needs its order</translation>
    </message>
    <message>
        <source>回访时间</source>
        <translation>Follow-up</translation>
    </message>
    <message>
        <source>处理步骤</source>
        <translation>Handling steps</translation>
    </message>
    <message>
        <source>客户诉求</source>
        <translation>Customer wants</translation>
    </message>
    <message>
        <source>客户：{nick}</source>
        <translation>Customer: {nick}</translation>
    </message>
    <message>
        <source>客户：由订单号确定</source>
        <translation>Customer: from the order number</translation>
    </message>
    <message>
        <source>已恢复未提交的草稿（{time} 保存）</source>
        <translation>Restored an unsubmitted draft (saved {time})</translation>
    </message>
    <message>
        <source>恶意投诉信号</source>
        <translation>Malicious-complaint signals</translation>
    </message>
    <message>
        <source>投诉分类</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>投诉处理记录 {no}</source>
        <translation>Complaint record {no}</translation>
    </message>
    <message>
        <source>投诉性质</source>
        <translation>Nature of the complaint</translation>
    </message>
    <message>
        <source>投诉类型</source>
        <translation>Complaint type</translation>
    </message>
    <message>
        <source>正常投诉：快速响应、合理补偿、全程跟进。恶意投诉：冷静应对、收集证据、向平台申诉，情节严重可走法律途径。</source>
        <translation>Normal complaint: respond quickly, compensate fairly, follow up to the end. Malicious complaint: stay calm, collect evidence, appeal to the platform; in serious cases, take legal action.</translation>
    </message>
    <message>
        <source>登记客户投诉</source>
        <translation>Register a complaint</translation>
    </message>
    <message>
        <source>登记投诉</source>
        <translation>Register complaint</translation>
    </message>
    <message>
        <source>程序提示：信号不多（{score} 分），按正常投诉处理。</source>
        <translation>Program&apos;s hint: few signals ({score} points); handle it as a normal complaint.</translation>
    </message>
    <message>
        <source>程序提示：发现 {n} 个恶意投诉信号（{score} 分），建议核实后再决定性质。</source>
        <translation>Program&apos;s hint: {n} malicious-complaint signals ({score} points); check the facts before deciding.</translation>
    </message>
    <message>
        <source>约定回访</source>
        <translation>Agree a follow-up</translation>
    </message>
    <message>
        <source>草稿已丢弃</source>
        <translation>Draft discarded</translation>
    </message>
    <message>
        <source>草稿已自动保存</source>
        <translation>Draft saved</translation>
    </message>
    <message>
        <source>补偿方式</source>
        <translation>Compensation</translation>
    </message>
    <message>
        <source>补偿说明</source>
        <translation>Compensation notes</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order no.</translation>
    </message>
    <message>
        <source>还有 {count} 处需要填写或修改。</source>
        <translation>{count} fields still need filling in or fixing.</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>问题描述</source>
        <translation>Problem</translation>
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
        <source>管理快捷短语…</source>
        <translation>Manage quick phrases…</translation>
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
    <name>ConfirmPanel</name>
    <message>
        <source>{action}（{no}）</source>
        <translation>{action} ({no})</translation>
    </message>
    <message>
        <source>判断依据（必填）：程序的评分只是参考，请写明你看到的事实</source>
        <translation>Your reasons (required): the program&apos;s score is only a hint; write down the facts you saw</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>原因（必填）</source>
        <translation>Reason (required)</translation>
    </message>
    <message>
        <source>双方约定的方案（必填）</source>
        <translation>What both sides agreed (required)</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>备注（可选），会记在时间线上</source>
        <translation>Note (optional), goes into the timeline</translation>
    </message>
    <message>
        <source>平台判定结果（必填）</source>
        <translation>The platform&apos;s ruling (required)</translation>
    </message>
    <message>
        <source>快递公司</source>
        <translation>Carrier</translation>
    </message>
    <message>
        <source>拒绝原因（必填，会告诉买家并记在时间线上）</source>
        <translation>Reason for rejecting (required; told to the buyer and kept in the timeline)</translation>
    </message>
    <message>
        <source>标记为疑似恶意投诉</source>
        <translation>Mark as suspected malicious complaint</translation>
    </message>
    <message>
        <source>标记为疑似职业差评师</source>
        <translation>Mark as suspected professional bad reviewer</translation>
    </message>
    <message>
        <source>申诉理由（必填）：买家的哪些言行、有哪些证据</source>
        <translation>Grounds (required): what the buyer said or did, and the evidence</translation>
    </message>
    <message>
        <source>确认</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>维修费用</source>
        <translation>Repair fee</translation>
    </message>
    <message>
        <source>解决方案（必填），例如：退货退款，运费店铺承担</source>
        <translation>Solution (required), e.g. return and refund, shop pays shipping</translation>
    </message>
    <message>
        <source>运单号</source>
        <translation>Tracking no.</translation>
    </message>
    <message>
        <source>退款金额</source>
        <translation>Refund amount</translation>
    </message>
</context>
<context>
    <name>ConversationActions</name>
    <message>
        <source>买家 {nick} 的最后一条消息还没有回复，确定结束会话吗？</source>
        <translation>{nick}&apos;s last message has not been answered yet. End the chat anyway?</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>取消星标</source>
        <translation>Remove star</translation>
    </message>
    <message>
        <source>取消置顶</source>
        <translation>Unpin</translation>
    </message>
    <message>
        <source>只看星标会话</source>
        <translation>Show starred chats only</translation>
    </message>
    <message>
        <source>客服已结束会话</source>
        <translation>The agent ended the conversation</translation>
    </message>
    <message>
        <source>已向买家发送邀请评价</source>
        <translation>Rating invitation sent to the buyer</translation>
    </message>
    <message>
        <source>已转交给{name}</source>
        <translation>Transferred to {name}</translation>
    </message>
    <message>
        <source>星标</source>
        <translation>Star</translation>
    </message>
    <message>
        <source>结束会话</source>
        <translation>End chat</translation>
    </message>
    <message>
        <source>置顶</source>
        <translation>Pin to top</translation>
    </message>
    <message>
        <source>转交…</source>
        <translation>Transfer…</translation>
    </message>
    <message>
        <source>邀请评价</source>
        <translation>Invite rating</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>{who}转交给你</source>
        <translation>{who} transferred this chat to you</translation>
    </message>
    <message>
        <source>{who}转交给你：{note}</source>
        <translation>{who} transferred this chat to you: {note}</translation>
    </message>
    <message>
        <source>【草稿】</source>
        <translation>[Draft] </translation>
    </message>
    <message>
        <source>同事</source>
        <translation>A colleague</translation>
    </message>
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
    <name>ConversationListModel</name>
    <message>
        <source>{nick}，{state}</source>
        <translation>{nick}, {state}</translation>
    </message>
    <message>
        <source>。最后一条：{message}</source>
        <translation>. Last message: {message}</translation>
    </message>
    <message>
        <source>，{marks}</source>
        <translation>, {marks}</translation>
    </message>
    <message>
        <source>，{n} 条未读</source>
        <translation>, {n} unread</translation>
    </message>
</context>
<context>
    <name>ConversationListView</name>
    <message>
        <source>会话列表</source>
        <translation>Conversation list</translation>
    </message>
</context>
<context>
    <name>CrashReporter</name>
    <message>
        <source>发生了一个意外错误，已记录在日志中：
{log}

工作台可以继续使用。如果问题反复出现，请把这个日志文件发给技术支持。</source>
        <translation>An unexpected error occurred and was written to the log:
{log}

You can keep working. If it happens again, please send this log file to support.</translation>
    </message>
    <message>
        <source>程序出错</source>
        <translation>Unexpected error</translation>
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
    <name>CrmExportDialog</name>
    <message>
        <source>全部筛选结果（{n} 位）</source>
        <translation>Everyone in the filtered list ({n})</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>包含完整手机号（默认打码，如 138****1234）</source>
        <translation>Include full phone numbers (masked by default, e.g. 138****1234)</translation>
    </message>
    <message>
        <source>完整手机号属于客户隐私，只在确有需要时导出，并妥善保管文件。</source>
        <translation>Full phone numbers are private: export them only when you really need to, and keep the file safe.</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customers</translation>
    </message>
    <message>
        <source>导出</source>
        <translation>Export</translation>
    </message>
    <message>
        <source>导出 CSV…</source>
        <translation>Export CSV…</translation>
    </message>
    <message>
        <source>导出 Excel…</source>
        <translation>Export Excel…</translation>
    </message>
    <message>
        <source>导出到</source>
        <translation>Export to</translation>
    </message>
    <message>
        <source>导出这些客户的订单（而不是客户资料）</source>
        <translation>Export these customers&apos; orders (instead of their details)</translation>
    </message>
    <message>
        <source>已导出 {n} 行到 {path}</source>
        <translation>Exported {n} rows to {path}</translation>
    </message>
    <message>
        <source>正在导出…</source>
        <translation>Exporting…</translation>
    </message>
    <message>
        <source>表格文件 (*.{suffix})</source>
        <translation>Spreadsheet (*.{suffix})</translation>
    </message>
    <message>
        <source>订单</source>
        <translation>Orders</translation>
    </message>
    <message>
        <source>选中的 {n} 位客户</source>
        <translation>The {n} selected customers</translation>
    </message>
</context>
<context>
    <name>CrmFormDialog</name>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>确定</source>
        <translation>OK</translation>
    </message>
</context>
<context>
    <name>CrmImportDialog</name>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>合并：以文件为准覆盖</source>
        <translation>Merge: the file wins</translation>
    </message>
    <message>
        <source>合并：只补全空白字段</source>
        <translation>Merge: fill empty fields only</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customers</translation>
    </message>
    <message>
        <source>导入</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>导入完成：新增 {created}，更新 {updated}，跳过 {skipped}。</source>
        <translation>Import finished: {created} new, {updated} updated, {skipped} skipped.</translation>
    </message>
    <message>
        <source>导入客户或订单</source>
        <translation>Import customers or orders</translation>
    </message>
    <message>
        <source>手机号相同</source>
        <translation>same phone</translation>
    </message>
    <message>
        <source>文件没有问题：共 {rows} 行，新客户 {new} 位，与已有客户重复 {dup} 位。</source>
        <translation>The file is fine: {rows} rows, {new} new customers, {dup} matching existing customers.</translation>
    </message>
    <message>
        <source>文件没有问题：共 {rows} 行，新订单 {new} 个，与已有订单重复 {dup} 个。</source>
        <translation>The file is fine: {rows} rows, {new} new orders, {dup} matching existing orders.</translation>
    </message>
    <message>
        <source>昵称相同</source>
        <translation>same nick</translation>
    </message>
    <message>
        <source>检查文件</source>
        <translation>Check file</translation>
    </message>
    <message>
        <source>正在写入…</source>
        <translation>Writing…</translation>
    </message>
    <message>
        <source>正在取消…</source>
        <translation>Cancelling…</translation>
    </message>
    <message>
        <source>正在导入…</source>
        <translation>Importing…</translation>
    </message>
    <message>
        <source>正在查找重复的记录…</source>
        <translation>Looking for duplicate records…</translation>
    </message>
    <message>
        <source>正在检查文件…</source>
        <translation>Checking the file…</translation>
    </message>
    <message>
        <source>正在读取文件…</source>
        <translation>Reading the file…</translation>
    </message>
    <message>
        <source>第 {line} 行 “{key}” · {why} · 已有：{existing}</source>
        <translation>Line {line} &quot;{key}&quot; · {why} · existing: {existing}</translation>
    </message>
    <message>
        <source>第一行为表头。必填：昵称。可选：姓名、手机、性别、城市、信用等级、88VIP、来源、会员等级、积分、注册时间、偏好、标签（多个用顿号分隔）。昵称或手机号相同的视为同一位客户。</source>
        <translation>The first row is the header. Required: nick. Optional: name, phone, gender, city, credit level, 88VIP, source, member level, points, registered, preferences, tags (separated by commas). The same nick or phone means the same customer.</translation>
    </message>
    <message>
        <source>第一行为表头。必填：订单号、买家昵称、状态、实付金额、下单时间。可选：付款时间、发货时间、签收时间、收货地址、快递公司、运单号、商品、数量、备注。买家须已在客户列表中。</source>
        <translation>The first row is the header. Required: order number, buyer nick, state, amount paid, order time. Optional: paid, shipped, signed, address, carrier, tracking number, item, quantity, memo. The buyer must already be a customer.</translation>
    </message>
    <message>
        <source>表格文件 (*.csv *.xlsx)</source>
        <translation>Spreadsheets (*.csv *.xlsx)</translation>
    </message>
    <message>
        <source>订单</source>
        <translation>Orders</translation>
    </message>
    <message>
        <source>订单号相同</source>
        <translation>same order number</translation>
    </message>
    <message>
        <source>跳过，保留原有资料</source>
        <translation>Skip, keep the existing record</translation>
    </message>
    <message>
        <source>选择 .csv 或 .xlsx 文件</source>
        <translation>Choose a .csv or .xlsx file</translation>
    </message>
    <message>
        <source>选择文件…</source>
        <translation>Choose file…</translation>
    </message>
    <message>
        <source>选择要导入的文件</source>
        <translation>Choose the file to import</translation>
    </message>
    <message>
        <source>重复的记录：</source>
        <translation>Duplicates:</translation>
    </message>
</context>
<context>
    <name>CrmLabels</name>
    <message>
        <source>{kind} {no}：{title} · {state}</source>
        <translation>{kind} {no}: {title} · {state}</translation>
    </message>
    <message>
        <source>一次最多导入 {limit} 行。</source>
        <translation>At most {limit} rows per import.</translation>
    </message>
    <message>
        <source>一次最多给 {limit} 位客户发送关怀消息，请缩小范围。</source>
        <translation>At most {limit} customers per care message; narrow the selection.</translation>
    </message>
    <message>
        <source>一般</source>
        <translation>Neutral</translation>
    </message>
    <message>
        <source>下单 {no} · {title} · {money}</source>
        <translation>Ordered {no} · {title} · {money}</translation>
    </message>
    <message>
        <source>不包含这些标签</source>
        <translation>Has none of the tags</translation>
    </message>
    <message>
        <source>不含标签</source>
        <translation>Without tags</translation>
    </message>
    <message>
        <source>不是有效的 11 位手机号</source>
        <translation>not a valid 11-digit mobile number</translation>
    </message>
    <message>
        <source>不满意</source>
        <translation>Unsatisfied</translation>
    </message>
    <message>
        <source>不认识的占位符 {{{name}}}。可用的占位符见内容下方的按钮。</source>
        <translation>Unknown placeholder {{{name}}}. The placeholders you can use are the buttons below the text.</translation>
    </message>
    <message>
        <source>不认识的订单状态</source>
        <translation>unknown order state</translation>
    </message>
    <message>
        <source>与第 {other} 行重复</source>
        <translation>same as line {other}</translation>
    </message>
    <message>
        <source>买得多、花得多，最近还在买</source>
        <translation>Buys often, spends a lot, still buying</translation>
    </message>
    <message>
        <source>交易关闭 {no}</source>
        <translation>Closed {no}</translation>
    </message>
    <message>
        <source>今日待回访</source>
        <translation>Due today</translation>
    </message>
    <message>
        <source>付款 {no}</source>
        <translation>Paid {no}</translation>
    </message>
    <message>
        <source>会员等级只能是 普通会员、银卡、金卡、钻石</source>
        <translation>member level must be one of the four shop levels</translation>
    </message>
    <message>
        <source>会员等级门槛需要 3 个从小到大的正数。</source>
        <translation>Member level thresholds need 3 positive numbers in increasing order.</translation>
    </message>
    <message>
        <source>信用等级应写作 3钻、2冠 等</source>
        <translation>write the credit level as a number and a tier, e.g. 3 diamonds</translation>
    </message>
    <message>
        <source>全部</source>
        <translation>All</translation>
    </message>
    <message>
        <source>关怀群发</source>
        <translation>Care message</translation>
    </message>
    <message>
        <source>内容太长</source>
        <translation>too long</translation>
    </message>
    <message>
        <source>冠（皇冠）</source>
        <translation>Crowns</translation>
    </message>
    <message>
        <source>分组名不能为空。</source>
        <translation>The group needs a name.</translation>
    </message>
    <message>
        <source>分组名最多 {limit} 个字。</source>
        <translation>Group names have at most {limit} characters.</translation>
    </message>
    <message>
        <source>动态分组的客户由条件决定，不能手动添加。请选择静态分组。</source>
        <translation>A dynamic group&apos;s members follow its conditions and cannot be added by hand. Choose a static group.</translation>
    </message>
    <message>
        <source>动态分组的条件里不能再包含分组。</source>
        <translation>A dynamic group&apos;s conditions cannot include another group.</translation>
    </message>
    <message>
        <source>动态分组（按条件）</source>
        <translation>Dynamic group (by conditions)</translation>
    </message>
    <message>
        <source>包含任一标签</source>
        <translation>Has any of the tags</translation>
    </message>
    <message>
        <source>包含全部标签</source>
        <translation>Has all of the tags</translation>
    </message>
    <message>
        <source>即将到期</source>
        <translation>Upcoming</translation>
    </message>
    <message>
        <source>发货 {no}</source>
        <translation>Shipped {no}</translation>
    </message>
    <message>
        <source>发送关怀（{agent}）：{text}</source>
        <translation>Care message ({agent}): {text}</translation>
    </message>
    <message>
        <source>只能填 男 或 女</source>
        <translation>must be male or female</translation>
    </message>
    <message>
        <source>只能导入 CSV 或 XLSX 文件：{name}</source>
        <translation>Only CSV or XLSX files can be imported: {name}</translation>
    </message>
    <message>
        <source>含任一标签</source>
        <translation>With any of the tags</translation>
    </message>
    <message>
        <source>含全部标签</source>
        <translation>With all of the tags</translation>
    </message>
    <message>
        <source>含有控制字符或无效字符</source>
        <translation>contains control characters or invalid text</translation>
    </message>
    <message>
        <source>咨询 {n} 条消息：{last}</source>
        <translation>Chat, {n} messages: {last}</translation>
    </message>
    <message>
        <source>咨询过但还没有下单</source>
        <translation>Has asked but not bought yet</translation>
    </message>
    <message>
        <source>回访完成：{outcome} {note}</source>
        <translation>Follow-up done: {outcome} {note}</translation>
    </message>
    <message>
        <source>回访记录最多 {limit} 个字。</source>
        <translation>Follow-up notes have at most {limit} characters.</translation>
    </message>
    <message>
        <source>备注（{author}）：{text}</source>
        <translation>Note ({author}): {text}</translation>
    </message>
    <message>
        <source>天数范围不对：开始天数不能大于结束天数，最多 365 天。</source>
        <translation>Check the days: the first may not be larger than the last, and at most 365.</translation>
    </message>
    <message>
        <source>女</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>安排回访：{reason}</source>
        <translation>Follow-up planned: {reason}</translation>
    </message>
    <message>
        <source>官方标签（88VIP、信用等级）不能导入</source>
        <translation>official tags (88VIP, credit level) cannot be imported</translation>
    </message>
    <message>
        <source>已发送关怀</source>
        <translation>Care sent</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>已取消，没有导入任何数据。</source>
        <translation>Cancelled; nothing was imported.</translation>
    </message>
    <message>
        <source>已完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>已有分组“{name}”。</source>
        <translation>There is already a group &quot;{name}&quot;.</translation>
    </message>
    <message>
        <source>已有同名话术“{name}”。</source>
        <translation>There is already a template &quot;{name}&quot;.</translation>
    </message>
    <message>
        <source>已有标签“{name}”。要把两个标签合成一个，请用“合并”。</source>
        <translation>There is already a tag &quot;{name}&quot;. To turn two tags into one, use Merge.</translation>
    </message>
    <message>
        <source>已流失</source>
        <translation>Churned</translation>
    </message>
    <message>
        <source>已逾期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>应为不小于 0 的整数</source>
        <translation>must be a whole number, 0 or more</translation>
    </message>
    <message>
        <source>应填 是 或 否</source>
        <translation>must be yes or no</translation>
    </message>
    <message>
        <source>待回访</source>
        <translation>To do</translation>
    </message>
    <message>
        <source>待记录结果</source>
        <translation>Awaiting outcome</translation>
    </message>
    <message>
        <source>很久没有购买，需要召回</source>
        <translation>Has not bought for a long time: win them back</translation>
    </message>
    <message>
        <source>心（红心）</source>
        <translation>Hearts</translation>
    </message>
    <message>
        <source>必填，不能为空</source>
        <translation>required</translation>
    </message>
    <message>
        <source>性别只能是 男 或 女。</source>
        <translation>Gender must be male or female.</translation>
    </message>
    <message>
        <source>手动</source>
        <translation>Manual</translation>
    </message>
    <message>
        <source>手机号应为 1 开头的 11 位数字。</source>
        <translation>A mobile number has 11 digits and starts with 1.</translation>
    </message>
    <message>
        <source>打上标签「{tag}」</source>
        <translation>Tagged &quot;{tag}&quot;</translation>
    </message>
    <message>
        <source>找不到标签“{name}”。</source>
        <translation>No tag &quot;{name}&quot;.</translation>
    </message>
    <message>
        <source>找不到该分组，可能已被删除。</source>
        <translation>The group was not found; it may have been deleted.</translation>
    </message>
    <message>
        <source>找不到该回访，可能已被删除。</source>
        <translation>The follow-up was not found; it may have been deleted.</translation>
    </message>
    <message>
        <source>找不到该规则，可能已被删除。</source>
        <translation>The rule was not found; it may have been deleted.</translation>
    </message>
    <message>
        <source>找不到该订单。</source>
        <translation>The order was not found.</translation>
    </message>
    <message>
        <source>找不到该话术，可能已被删除。</source>
        <translation>The template was not found; it may have been deleted.</translation>
    </message>
    <message>
        <source>找不到这位客户，请先导入客户</source>
        <translation>no such customer; import the customers first</translation>
    </message>
    <message>
        <source>数量最多 100,000</source>
        <translation>quantity can be at most 100,000</translation>
    </message>
    <message>
        <source>文件 {name} 太大，最多 {limit_mb} MB。</source>
        <translation>The file {name} is too big (at most {limit_mb} MB).</translation>
    </message>
    <message>
        <source>文件 {name} 第 {line} 行太长。</source>
        <translation>Line {line} of {name} is too long.</translation>
    </message>
    <message>
        <source>文件或文件夹不存在</source>
        <translation>The file or folder does not exist</translation>
    </message>
    <message>
        <source>文件有 {n} 处问题，没有导入任何数据。</source>
        <translation>The file has {n} problems; nothing was imported.</translation>
    </message>
    <message>
        <source>文件正被其他程序使用或没有权限，如在 Excel 中打开了请先关闭</source>
        <translation>The file is in use by another program or you lack permission; if it is open in Excel, close it first</translation>
    </message>
    <message>
        <source>文件里没有数据</source>
        <translation>the file holds no data</translation>
    </message>
    <message>
        <source>新客</source>
        <translation>New</translation>
    </message>
    <message>
        <source>新客天数应大于 0 且不超过流失天数。</source>
        <translation>The new-customer window must be above 0 and at most the churn days.</translation>
    </message>
    <message>
        <source>无法写入文件 {name}：{detail}</source>
        <translation>Cannot write {name}: {detail}</translation>
    </message>
    <message>
        <source>无法识别文件 {name} 的编码，请另存为 UTF-8 的 CSV 或 XLSX。</source>
        <translation>The encoding of {name} is not recognised. Save it as a UTF-8 CSV or as XLSX.</translation>
    </message>
    <message>
        <source>无法读取文件 {name}：{detail}</source>
        <translation>Cannot read {name}: {detail}</translation>
    </message>
    <message>
        <source>日期应在 1990-01-01 到 2100-12-31 之间</source>
        <translation>the date must be between 1990-01-01 and 2100-12-31</translation>
    </message>
    <message>
        <source>日期格式应为 2024-06-18 或 2024-06-18 14:30</source>
        <translation>dates look like 2024-06-18 or 2024-06-18 14:30</translation>
    </message>
    <message>
        <source>日期范围不对：开始日期不能晚于结束日期。</source>
        <translation>Check the dates: the start may not be after the end.</translation>
    </message>
    <message>
        <source>早于下单时间</source>
        <translation>earlier than the order time</translation>
    </message>
    <message>
        <source>昵称和手机号分别属于两位不同的已有客户</source>
        <translation>the nick and the phone belong to two different existing customers</translation>
    </message>
    <message>
        <source>普通会员</source>
        <translation>Regular</translation>
    </message>
    <message>
        <source>最多 {limit} 个字。</source>
        <translation>At most {limit} characters.</translation>
    </message>
    <message>
        <source>最近第一次购买</source>
        <translation>First purchase recently</translation>
    </message>
    <message>
        <source>最近购买天数需要 4 个从小到大的正数。</source>
        <translation>Recency needs 4 positive numbers of days in increasing order.</translation>
    </message>
    <message>
        <source>有复购意向</source>
        <translation>Will buy again</translation>
    </message>
    <message>
        <source>未回复</source>
        <translation>No reply</translation>
    </message>
    <message>
        <source>未知</source>
        <translation>Unknown</translation>
    </message>
    <message>
        <source>未购买</source>
        <translation>No purchase</translation>
    </message>
    <message>
        <source>来源只能是 站内免费、站内付费、自主访问、站外</source>
        <translation>source must be one of the four traffic sources</translation>
    </message>
    <message>
        <source>标签最多 20 个字</source>
        <translation>tags have at most 20 characters</translation>
    </message>
    <message>
        <source>没有选中任何客户。</source>
        <translation>No customer is selected.</translation>
    </message>
    <message>
        <source>注册淘宝账号</source>
        <translation>Registered the Taobao account</translation>
    </message>
    <message>
        <source>流失预警</source>
        <translation>At risk</translation>
    </message>
    <message>
        <source>流失预警天数应小于流失天数。</source>
        <translation>The at-risk days must be fewer than the churn days.</translation>
    </message>
    <message>
        <source>流失预警客户</source>
        <translation>At-risk customers</translation>
    </message>
    <message>
        <source>消费金额范围不对：最小值不能大于最大值。</source>
        <translation>Check the spend range: the minimum may not exceed the maximum.</translation>
    </message>
    <message>
        <source>消费金额需要 4 个从小到大的正数。</source>
        <translation>Monetary needs 4 positive amounts in increasing order.</translation>
    </message>
    <message>
        <source>满意</source>
        <translation>Satisfied</translation>
    </message>
    <message>
        <source>潜力</source>
        <translation>Potential</translation>
    </message>
    <message>
        <source>申请退款 {no}</source>
        <translation>Refund requested {no}</translation>
    </message>
    <message>
        <source>男</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>积分不能为负数。</source>
        <translation>Points cannot be negative.</translation>
    </message>
    <message>
        <source>积分最多 1,000,000,000</source>
        <translation>points can be at most 1,000,000,000</translation>
    </message>
    <message>
        <source>站内付费</source>
        <translation>Paid on-platform</translation>
    </message>
    <message>
        <source>站内免费</source>
        <translation>Free on-platform</translation>
    </message>
    <message>
        <source>站外</source>
        <translation>Off-platform</translation>
    </message>
    <message>
        <source>第 {line} 行</source>
        <translation>Line {line}</translation>
    </message>
    <message>
        <source>筛选条件无法识别。</source>
        <translation>The saved conditions cannot be read.</translation>
    </message>
    <message>
        <source>签收 {no}</source>
        <translation>Signed for {no}</translation>
    </message>
    <message>
        <source>签收后</source>
        <translation>After delivery</translation>
    </message>
    <message>
        <source>缺少这一列</source>
        <translation>this column is missing</translation>
    </message>
    <message>
        <source>自主访问</source>
        <translation>Direct visit</translation>
    </message>
    <message>
        <source>规则</source>
        <translation>Rule</translation>
    </message>
    <message>
        <source>规则名称最多 {limit} 个字。</source>
        <translation>Rule names have at most {limit} characters.</translation>
    </message>
    <message>
        <source>订单号应为 4–30 位数字或字母</source>
        <translation>order numbers have 4–30 letters or digits</translation>
    </message>
    <message>
        <source>订单数范围不对：最小值不能大于最大值。</source>
        <translation>Check the order count range: the minimum may not exceed the maximum.</translation>
    </message>
    <message>
        <source>评价：{title} · {state}</source>
        <translation>Review: {title} · {state}</translation>
    </message>
    <message>
        <source>话术内容不能为空。</source>
        <translation>The template needs some text.</translation>
    </message>
    <message>
        <source>话术内容最多 {limit} 个字。</source>
        <translation>Templates have at most {limit} characters.</translation>
    </message>
    <message>
        <source>话术名称最多 {limit} 个字。</source>
        <translation>Template names have at most {limit} characters.</translation>
    </message>
    <message>
        <source>该回访已完成或已取消。</source>
        <translation>This follow-up is already done or cancelled.</translation>
    </message>
    <message>
        <source>请填写 {low}–{high} 之间的数值。</source>
        <translation>Enter a value from {low} to {high}.</translation>
    </message>
    <message>
        <source>请填写规则名称。</source>
        <translation>Give the rule a name.</translation>
    </message>
    <message>
        <source>请填写话术名称。</source>
        <translation>Give the template a name.</translation>
    </message>
    <message>
        <source>请选择会员等级。</source>
        <translation>Choose a member level.</translation>
    </message>
    <message>
        <source>请选择客户来源。</source>
        <translation>Choose a traffic source.</translation>
    </message>
    <message>
        <source>请选择要合并进来的其他标签。</source>
        <translation>Choose the other tags to merge in.</translation>
    </message>
    <message>
        <source>购买次数需要 4 个从小到大的正数。</source>
        <translation>Frequency needs 4 positive counts in increasing order.</translation>
    </message>
    <message>
        <source>超过流失期限没有购买</source>
        <translation>No purchase for longer than the churn period</translation>
    </message>
    <message>
        <source>近期活跃，还可以买得更多</source>
        <translation>Active lately, could buy more</translation>
    </message>
    <message>
        <source>这个订单号属于另一位客户</source>
        <translation>this order number belongs to another customer</translation>
    </message>
    <message>
        <source>这次检查的结果已失效，请重新检查文件。</source>
        <translation>This check has expired. Check the file again.</translation>
    </message>
    <message>
        <source>金冠</source>
        <translation>Gold crowns</translation>
    </message>
    <message>
        <source>金卡</source>
        <translation>Gold</translation>
    </message>
    <message>
        <source>金额应为不小于 0 的数字，最多两位小数</source>
        <translation>amounts are numbers, 0 or more, with at most two decimals</translation>
    </message>
    <message>
        <source>金额最多 10,000,000.00 元</source>
        <translation>the amount can be at most ¥10,000,000.00</translation>
    </message>
    <message>
        <source>钻石</source>
        <translation>Diamond</translation>
    </message>
    <message>
        <source>钻（蓝钻）</source>
        <translation>Diamonds</translation>
    </message>
    <message>
        <source>银卡</source>
        <translation>Silver</translation>
    </message>
    <message>
        <source>问题太多，后面的内容没有再检查</source>
        <translation>too many problems; the rest of the file was not checked</translation>
    </message>
    <message>
        <source>静态分组没有筛选条件。</source>
        <translation>A static group has no conditions.</translation>
    </message>
    <message>
        <source>静态分组（手动添加）</source>
        <translation>Static group (added by hand)</translation>
    </message>
    <message>
        <source>非会员</source>
        <translation>Not a member</translation>
    </message>
    <message>
        <source>颜色应为 #RRGGBB 形式。</source>
        <translation>Colours are written #RRGGBB.</translation>
    </message>
    <message>
        <source>高价值</source>
        <translation>High value</translation>
    </message>
    <message>
        <source>高价值门槛应大于 0。</source>
        <translation>The high-value thresholds must be above 0.</translation>
    </message>
</context>
<context>
    <name>CustomerFilterBar</name>
    <message>
        <source>{name}（{n}）</source>
        <translation>{name} ({n})</translation>
    </message>
    <message>
        <source>会员等级</source>
        <translation>Member level</translation>
    </message>
    <message>
        <source>会员：{v}</source>
        <translation>Level: {v}</translation>
    </message>
    <message>
        <source>信用等级</source>
        <translation>Credit level</translation>
    </message>
    <message>
        <source>信用：{v}</source>
        <translation>Credit: {v}</translation>
    </message>
    <message>
        <source>全部客户</source>
        <translation>All customers</translation>
    </message>
    <message>
        <source>分层</source>
        <translation>Segment</translation>
    </message>
    <message>
        <source>分层：{v}</source>
        <translation>Segment: {v}</translation>
    </message>
    <message>
        <source>官方标签</source>
        <translation>Official tags</translation>
    </message>
    <message>
        <source>搜索“{text}”</source>
        <translation>Search &quot;{text}&quot;</translation>
    </message>
    <message>
        <source>搜索客户</source>
        <translation>Search customers</translation>
    </message>
    <message>
        <source>搜索昵称、姓名或手机号</source>
        <translation>Search nick, name or phone</translation>
    </message>
    <message>
        <source>更多条件</source>
        <translation>More filters</translation>
    </message>
    <message>
        <source>更多条件 · {n}</source>
        <translation>More filters · {n}</translation>
    </message>
    <message>
        <source>最近购买 {a} 至 {b}</source>
        <translation>Last purchase {a} to {b}</translation>
    </message>
    <message>
        <source>未分组</source>
        <translation>Ungrouped</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>来源：{v}</source>
        <translation>Source: {v}</translation>
    </message>
    <message>
        <source>标签</source>
        <translation>Tags</translation>
    </message>
    <message>
        <source>标签库是空的</source>
        <translation>The tag library is empty</translation>
    </message>
    <message>
        <source>消费 {a} 至 {b}</source>
        <translation>Spent {a} to {b}</translation>
    </message>
    <message>
        <source>清空</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>订单 {a} 至 {b} 单</source>
        <translation>{a} to {b} orders</translation>
    </message>
    <message>
        <source>非88VIP</source>
        <translation>Not 88VIP</translation>
    </message>
</context>
<context>
    <name>CustomerGroupsPanel</name>
    <message>
        <source>保存筛选为分组</source>
        <translation>Save filter as group</translation>
    </message>
    <message>
        <source>全部客户</source>
        <translation>All customers</translation>
    </message>
    <message>
        <source>删除分组</source>
        <translation>Delete group</translation>
    </message>
    <message>
        <source>动态分组：按条件自动更新</source>
        <translation>Dynamic group: follows its conditions</translation>
    </message>
    <message>
        <source>客户分组</source>
        <translation>Customer groups</translation>
    </message>
    <message>
        <source>新建静态分组</source>
        <translation>New static group</translation>
    </message>
    <message>
        <source>用当前筛选条件更新</source>
        <translation>Update with the current filter</translation>
    </message>
    <message>
        <source>重命名…</source>
        <translation>Rename…</translation>
    </message>
    <message>
        <source>静态分组：手动加入的客户</source>
        <translation>Static group: customers added by hand</translation>
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
        <source>显示完整手机号（会记录查看人和时间）</source>
        <translation>Show the full phone number (who looked and when is recorded)</translation>
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
        <source>查看</source>
        <translation>View</translation>
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
        <source>添加备注</source>
        <translation>Add note</translation>
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
    <name>CustomerProfileView</name>
    <message>
        <source>RFM 评分：R{r} · F{f} · M{m}（5 分最好）</source>
        <translation>RFM scores: R{r} · F{f} · M{m} (5 is best)</translation>
    </message>
    <message>
        <source>{n} cm</source>
        <translation>{n} cm</translation>
    </message>
    <message>
        <source>{n} 斤</source>
        <translation>{n} jin</translation>
    </message>
    <message>
        <source>下单时间</source>
        <translation>Ordered</translation>
    </message>
    <message>
        <source>会话</source>
        <translation>Chats</translation>
    </message>
    <message>
        <source>会话 {n}</source>
        <translation>Chats {n}</translation>
    </message>
    <message>
        <source>关闭档案</source>
        <translation>Close the profile</translation>
    </message>
    <message>
        <source>分组</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>发送关怀</source>
        <translation>Send care</translation>
    </message>
    <message>
        <source>售后</source>
        <translation>After-sales</translation>
    </message>
    <message>
        <source>售后 {n}</source>
        <translation>After-sales {n}</translation>
    </message>
    <message>
        <source>回访</source>
        <translation>Follow-ups</translation>
    </message>
    <message>
        <source>回访 {n}</source>
        <translation>Follow-ups {n}</translation>
    </message>
    <message>
        <source>在左侧列表中选择一位客户，查看档案。</source>
        <translation>Pick a customer in the list to see the profile.</translation>
    </message>
    <message>
        <source>城市</source>
        <translation>City</translation>
    </message>
    <message>
        <source>基本信息</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>安排回访</source>
        <translation>Plan follow-up</translation>
    </message>
    <message>
        <source>客单价</source>
        <translation>Per order</translation>
    </message>
    <message>
        <source>尺码</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>开始</source>
        <translation>Started</translation>
    </message>
    <message>
        <source>性别</source>
        <translation>Gender</translation>
    </message>
    <message>
        <source>手机</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>日期</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>时间线</source>
        <translation>Timeline</translation>
    </message>
    <message>
        <source>显示更早的记录</source>
        <translation>Show earlier entries</translation>
    </message>
    <message>
        <source>最后一句</source>
        <translation>Last message</translation>
    </message>
    <message>
        <source>最近购买</source>
        <translation>Last purchase</translation>
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
        <source>正在加载客户档案…</source>
        <translation>Loading the profile…</translation>
    </message>
    <message>
        <source>注册</source>
        <translation>Registered</translation>
    </message>
    <message>
        <source>消息</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>点击查看所有带“{name}”标签的客户</source>
        <translation>Click to see every customer tagged &quot;{name}&quot;</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>生日</source>
        <translation>Birthday</translation>
    </message>
    <message>
        <source>积分</source>
        <translation>Points</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>累计消费</source>
        <translation>Total spent</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>Case no.</translation>
    </message>
    <message>
        <source>编辑资料</source>
        <translation>Edit details</translation>
    </message>
    <message>
        <source>订单</source>
        <translation>Orders</translation>
    </message>
    <message>
        <source>订单 {n}</source>
        <translation>Orders {n}</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order no.</translation>
    </message>
    <message>
        <source>购买次数</source>
        <translation>Purchases</translation>
    </message>
    <message>
        <source>身材</source>
        <translation>Body</translation>
    </message>
    <message>
        <source>还没有购买记录。</source>
        <translation>No purchases yet.</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>风格</source>
        <translation>Style</translation>
    </message>
</context>
<context>
    <name>CustomerTableModel</name>
    <message>
        <source>R{r} F{f} M{m}</source>
        <translation>R{r} F{f} M{m}</translation>
    </message>
    <message>
        <source>会员等级</source>
        <translation>Member level</translation>
    </message>
    <message>
        <source>分层</source>
        <translation>Segment</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customers</translation>
    </message>
    <message>
        <source>手机</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>最近购买</source>
        <translation>Last purchase</translation>
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
        <source>累计消费</source>
        <translation>Total spent</translation>
    </message>
    <message>
        <source>订单数</source>
        <translation>Orders</translation>
    </message>
</context>
<context>
    <name>CustomersPage</name>
    <message>
        <source> · 已选 {n} 位</source>
        <translation> · {n} selected</translation>
    </message>
    <message>
        <source>会员分层</source>
        <translation>Segments</translation>
    </message>
    <message>
        <source>共 {n} 位客户</source>
        <translation>{n} customers</translation>
    </message>
    <message>
        <source>分组“{name}”的条件已更新。</source>
        <translation>The conditions of group &quot;{name}&quot; were updated.</translation>
    </message>
    <message>
        <source>分组名</source>
        <translation>Group name</translation>
    </message>
    <message>
        <source>分组已删除。</source>
        <translation>The group was deleted.</translation>
    </message>
    <message>
        <source>分组已重命名。</source>
        <translation>The group was renamed.</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>删除分组</source>
        <translation>Delete group</translation>
    </message>
    <message>
        <source>删除分组“{name}”？客户本身不会被删除。</source>
        <translation>Delete the group &quot;{name}&quot;? The customers themselves stay.</translation>
    </message>
    <message>
        <source>加入分组</source>
        <translation>Add to group</translation>
    </message>
    <message>
        <source>发送关怀</source>
        <translation>Send care</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>客户列表</source>
        <translation>Customers</translation>
    </message>
    <message>
        <source>客户回访</source>
        <translation>Follow-ups</translation>
    </message>
    <message>
        <source>客户资料已保存。</source>
        <translation>The details were saved.</translation>
    </message>
    <message>
        <source>导入</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>导入完成：新增 {a}，更新 {b}，跳过 {c}。</source>
        <translation>Import finished: {a} new, {b} updated, {c} skipped.</translation>
    </message>
    <message>
        <source>导出</source>
        <translation>Export</translation>
    </message>
    <message>
        <source>已从 {n} 位客户身上移除标签。</source>
        <translation>Removed the tag from {n} customers.</translation>
    </message>
    <message>
        <source>已创建分组“{name}”。</source>
        <translation>Created the group &quot;{name}&quot;.</translation>
    </message>
    <message>
        <source>已向 {n} 位客户发送关怀消息，可在“客户回访 → 待记录结果”中跟进。</source>
        <translation>Sent a care message to {n} customers; follow up under Follow-ups → Awaiting outcome.</translation>
    </message>
    <message>
        <source>已安排 {d} 回访。</source>
        <translation>Follow-up planned for {d}.</translation>
    </message>
    <message>
        <source>已导出 {n} 行：{path}</source>
        <translation>Exported {n} rows: {path}</translation>
    </message>
    <message>
        <source>已把 {n} 位客户加入分组“{group}”。</source>
        <translation>Added {n} customers to the group &quot;{group}&quot;.</translation>
    </message>
    <message>
        <source>已给 {n} 位客户加上标签“{tag}”。</source>
        <translation>Tagged {n} customers &quot;{tag}&quot;.</translation>
    </message>
    <message>
        <source>打标签</source>
        <translation>Tag</translation>
    </message>
    <message>
        <source>标签管理</source>
        <translation>Tags</translation>
    </message>
    <message>
        <source>正在统计客户数据…</source>
        <translation>Counting customer data…</translation>
    </message>
    <message>
        <source>没有符合条件的客户。</source>
        <translation>No customer matches.</translation>
    </message>
    <message>
        <source>移除标签</source>
        <translation>Remove tag</translation>
    </message>
    <message>
        <source>还没有关怀话术，请先在“客户回访 → 关怀话术”中新建。</source>
        <translation>There are no care templates yet; add one under Follow-ups → Care templates.</translation>
    </message>
    <message>
        <source>还没有客户。</source>
        <translation>No customers yet.</translation>
    </message>
    <message>
        <source>选中全部筛选结果</source>
        <translation>Select everyone filtered</translation>
    </message>
    <message>
        <source>重命名分组</source>
        <translation>Rename group</translation>
    </message>
</context>
<context>
    <name>DailyBackups</name>
    <message>
        <source>每日备份失败：{reason}</source>
        <translation>Daily backup failed: {reason}</translation>
    </message>
</context>
<context>
    <name>DeadlineRow</name>
    <message>
        <source>例如：举证截止</source>
        <translation>e.g. evidence deadline</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>已完成</source>
        <translation>Completed</translation>
    </message>
</context>
<context>
    <name>DetailsCard</name>
    <message>
        <source>{kind}申请</source>
        <translation>{kind} request</translation>
    </message>
    <message>
        <source>买家寄回</source>
        <translation>Buyer&apos;s parcel back</translation>
    </message>
    <message>
        <source>买家要求</source>
        <translation>Buyer asks for</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>售后商品</source>
        <translation>Items</translation>
    </message>
    <message>
        <source>商品状态</source>
        <translation>Condition</translation>
    </message>
    <message>
        <source>回访时间</source>
        <translation>Follow-up</translation>
    </message>
    <message>
        <source>客户诉求</source>
        <translation>Customer wants</translation>
    </message>
    <message>
        <source>已完成步骤</source>
        <translation>Steps done</translation>
    </message>
    <message>
        <source>已洗涤 / 穿着 / 吊牌已拆</source>
        <translation>Washed / worn / tags removed</translation>
    </message>
    <message>
        <source>已退款</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>平台介入</source>
        <translation>Platform stepped in</translation>
    </message>
    <message>
        <source>平台申诉</source>
        <translation>Platform appeal</translation>
    </message>
    <message>
        <source>店铺寄出</source>
        <translation>Shop sent</translation>
    </message>
    <message>
        <source>性质（客服判定）</source>
        <translation>Nature (agent&apos;s judgement)</translation>
    </message>
    <message>
        <source>想换成</source>
        <translation>Wants instead</translation>
    </message>
    <message>
        <source>投诉类型</source>
        <translation>Complaint type</translation>
    </message>
    <message>
        <source>投诉记录</source>
        <translation>Complaint record</translation>
    </message>
    <message>
        <source>时限</source>
        <translation>Deadlines</translation>
    </message>
    <message>
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>申诉说明</source>
        <translation>Appeal notes</translation>
    </message>
    <message>
        <source>申请金额</source>
        <translation>Amount asked</translation>
    </message>
    <message>
        <source>纠纷原因</source>
        <translation>Cause</translation>
    </message>
    <message>
        <source>纠纷经过</source>
        <translation>What happened</translation>
    </message>
    <message>
        <source>纠纷记录</source>
        <translation>Dispute record</translation>
    </message>
    <message>
        <source>约定 / 判定</source>
        <translation>Agreed / ruled</translation>
    </message>
    <message>
        <source>维修费用</source>
        <translation>Repair fee</translation>
    </message>
    <message>
        <source>编辑处理记录</source>
        <translation>Edit handling record</translation>
    </message>
    <message>
        <source>编辑纠纷记录</source>
        <translation>Edit dispute record</translation>
    </message>
    <message>
        <source>自行维修</source>
        <translation>Repaired elsewhere</translation>
    </message>
    <message>
        <source>补偿</source>
        <translation>Compensation</translation>
    </message>
    <message>
        <source>详情</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>还没有</source>
        <translation>None yet</translation>
    </message>
    <message>
        <source>退款类型</source>
        <translation>Refund type</translation>
    </message>
    <message>
        <source>问题描述</source>
        <translation>Problem</translation>
    </message>
</context>
<context>
    <name>DisputeFormView</name>
    <message>
        <source>{state} · 实付 {total}</source>
        <translation>{state} · paid {total}</translation>
    </message>
    <message>
        <source>丢弃草稿</source>
        <translation>Discard draft</translation>
    </message>
    <message>
        <source>买家要求</source>
        <translation>Buyer asks for</translation>
    </message>
    <message>
        <source>例如：全额退款</source>
        <translation>e.g. full refund</translation>
    </message>
    <message>
        <source>保存纠纷记录</source>
        <translation>Save dispute record</translation>
    </message>
    <message>
        <source>到期前 24 小时在售后页顶部提醒；逾期标红。</source>
        <translation>Reminded at the top of the after-sales page 24 hours ahead; red once overdue.</translation>
    </message>
    <message>
        <source>协商结果或平台判定</source>
        <translation>Agreed outcome or the platform&apos;s ruling</translation>
    </message>
    <message>
        <source>发生了什么，买家和店铺各自的说法</source>
        <translation>What happened, and what the buyer and the shop each say</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>客户：{nick}</source>
        <translation>Customer: {nick}</translation>
    </message>
    <message>
        <source>客户：由订单号确定</source>
        <translation>Customer: from the order number</translation>
    </message>
    <message>
        <source>已恢复未提交的草稿（{time} 保存）</source>
        <translation>Restored an unsubmitted draft (saved {time})</translation>
    </message>
    <message>
        <source>平台介入</source>
        <translation>Platform stepped in</translation>
    </message>
    <message>
        <source>时限与提醒</source>
        <translation>Deadlines and reminders</translation>
    </message>
    <message>
        <source>添加时限</source>
        <translation>Add deadline</translation>
    </message>
    <message>
        <source>登记纠纷</source>
        <translation>Register dispute</translation>
    </message>
    <message>
        <source>纠纷原因</source>
        <translation>Cause</translation>
    </message>
    <message>
        <source>纠纷对应的订单号</source>
        <translation>Order number of the dispute</translation>
    </message>
    <message>
        <source>纠纷经过</source>
        <translation>What happened</translation>
    </message>
    <message>
        <source>纠纷记录 {no}</source>
        <translation>Dispute record {no}</translation>
    </message>
    <message>
        <source>约定 / 判定结果</source>
        <translation>Agreed / ruled outcome</translation>
    </message>
    <message>
        <source>草稿已丢弃</source>
        <translation>Draft discarded</translation>
    </message>
    <message>
        <source>草稿已自动保存</source>
        <translation>Draft saved</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order no.</translation>
    </message>
    <message>
        <source>还有 {count} 处需要填写或修改。</source>
        <translation>{count} fields still need filling in or fixing.</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
</context>
<context>
    <name>EntryEditor</name>
    <message>
        <source>买家可能怎么问：相似问法是完整的问句；关键词问法里的词同时出现就命中；反向问法命中时不用这条知识回答。</source>
        <translation>How customers may ask: a similar phrasing is a whole question; a keyword phrasing matches when all its words appear; a negative phrasing stops this entry from answering.</translation>
    </message>
    <message>
        <source>例如：需要维修的时候怎么办</source>
        <translation>e.g. What should I do when it needs repair</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>先在问法里选中要设为核心词的文字</source>
        <translation>Select the text in the phrasing to mark it as a core word first</translation>
    </message>
    <message>
        <source>关键词</source>
        <translation>Keywords</translation>
    </message>
    <message>
        <source>划词</source>
        <translation>Core words</translation>
    </message>
    <message>
        <source>划词（不同于关键词）可以协助算法判断问法中决定买家意图的核心词，提升匹配率。点选词语即可，最多可选 3 个；也可以在问法里选中任意文字（如“走光”“开线”）设为核心词。</source>
        <translation>Core words (unlike keywords) tell the matcher which words of a phrasing carry the buyer&apos;s intent, which improves matching. Click words to mark them, at most 3; you can also select any text in the phrasing (such as a two-character term the word list splits) and mark it as a core word.</translation>
    </message>
    <message>
        <source>删除知识</source>
        <translation>Delete entry</translation>
    </message>
    <message>
        <source>删除问法</source>
        <translation>Delete phrasing</translation>
    </message>
    <message>
        <source>反向问法</source>
        <translation>Negative phrasing</translation>
    </message>
    <message>
        <source>启用（关闭后机器人不再用这条知识回答）</source>
        <translation>On (when off, the bot no longer answers with this entry)</translation>
    </message>
    <message>
        <source>已选 {n}/{limit}</source>
        <translation>{n}/{limit} chosen</translation>
    </message>
    <message>
        <source>把选中的文字设为核心词</source>
        <translation>Mark selected text as core word</translation>
    </message>
    <message>
        <source>新建自定义问题</source>
        <translation>New custom question</translation>
    </message>
    <message>
        <source>最多选 {n} 个核心词</source>
        <translation>Choose at most {n} core words</translation>
    </message>
    <message>
        <source>有多条答案时，机器人用当天有效的第一条。</source>
        <translation>With several answers, the bot uses the first one valid that day.</translation>
    </message>
    <message>
        <source>有未保存的修改</source>
        <translation>Unsaved changes</translation>
    </message>
    <message>
        <source>标准问题</source>
        <translation>Standard question</translation>
    </message>
    <message>
        <source>相似问法</source>
        <translation>Similar phrasing</translation>
    </message>
    <message>
        <source>第 {n} 条</source>
        <translation>No. {n}</translation>
    </message>
    <message>
        <source>答案</source>
        <translation>Answers</translation>
    </message>
    <message>
        <source>累计命中 {total} 次 · 昨日 {y} · 近7天 {w}</source>
        <translation>Used {total} times in all · {y} yesterday · {w} in the last 7 days</translation>
    </message>
    <message>
        <source>编辑知识</source>
        <translation>Edit entry</translation>
    </message>
    <message>
        <source>自定义问题</source>
        <translation>Custom question</translation>
    </message>
    <message>
        <source>行业包 {pack} {version}</source>
        <translation>Industry pack {pack} {version}</translation>
    </message>
    <message>
        <source>行业包 {pack} {version} · 已修改</source>
        <translation>Industry pack {pack} {version} · edited</translation>
    </message>
    <message>
        <source>还原</source>
        <translation>Revert</translation>
    </message>
    <message>
        <source>选中的问法</source>
        <translation>Selected phrasing</translation>
    </message>
    <message>
        <source>选择左侧的一条知识进行编辑，或新建自定义问题</source>
        <translation>Pick an entry on the left to edit it, or create a custom question</translation>
    </message>
    <message>
        <source>问法</source>
        <translation>Phrasings</translation>
    </message>
    <message>
        <source>问法「{text}」：{message}</source>
        <translation>Phrasing “{text}”: {message}</translation>
    </message>
    <message>
        <source>问题类型</source>
        <translation>Question type</translation>
    </message>
    <message>
        <source>需要人工：命中后直接转人工客服（如修改尺码、改地址）</source>
        <translation>Needs a human: hand the customer to an agent when matched (e.g. changing a size or the address)</translation>
    </message>
    <message>
        <source>＋ 添加答案</source>
        <translation>+ Add answer</translation>
    </message>
    <message>
        <source>＋ 添加问法</source>
        <translation>+ Add phrasing</translation>
    </message>
</context>
<context>
    <name>EntryTable</name>
    <message>
        <source>[转人工]</source>
        <translation>[to agent]</translation>
    </message>
    <message>
        <source>关</source>
        <translation>Off</translation>
    </message>
    <message>
        <source>分类</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>启用</source>
        <translation>On</translation>
    </message>
    <message>
        <source>店铺知识</source>
        <translation>Shop</translation>
    </message>
    <message>
        <source>开</source>
        <translation>On</translation>
    </message>
    <message>
        <source>昨日热度</source>
        <translation>Yesterday</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>标准问题</source>
        <translation>Standard question</translation>
    </message>
    <message>
        <source>自定义</source>
        <translation>Custom</translation>
    </message>
    <message>
        <source>行业包 {version}</source>
        <translation>Industry pack {version}</translation>
    </message>
    <message>
        <source>行业包 {version} · 已修改</source>
        <translation>Industry pack {version} · edited</translation>
    </message>
    <message>
        <source>近7天</source>
        <translation>Last 7 days</translation>
    </message>
    <message>
        <source>问法</source>
        <translation>Phrasings</translation>
    </message>
</context>
<context>
    <name>Evidence</name>
    <message>
        <source>买家</source>
        <translation>Buyer</translation>
    </message>
    <message>
        <source>图片 ({patterns});;所有文件 (*)</source>
        <translation>Pictures ({patterns});;All files (*)</translation>
    </message>
    <message>
        <source>客服</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>机器人</source>
        <translation>Bot</translation>
    </message>
    <message>
        <source>系统</source>
        <translation>System</translation>
    </message>
    <message>
        <source>选择图片或文件</source>
        <translation>Choose pictures or files</translation>
    </message>
</context>
<context>
    <name>EvidenceCard</name>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>图片 / 文件…</source>
        <translation>Pictures / files…</translation>
    </message>
    <message>
        <source>导出证据包 PDF…</source>
        <translation>Export evidence PDF…</translation>
    </message>
    <message>
        <source>添加所选消息</source>
        <translation>Add selected messages</translation>
    </message>
    <message>
        <source>物流轨迹</source>
        <translation>Logistics trace</translation>
    </message>
    <message>
        <source>移除</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>聊天记录…</source>
        <translation>Chat messages…</translation>
    </message>
    <message>
        <source>订单快照</source>
        <translation>Order snapshot</translation>
    </message>
    <message>
        <source>证据</source>
        <translation>Evidence</translation>
    </message>
    <message>
        <source>证据列表</source>
        <translation>Evidence list</translation>
    </message>
    <message>
        <source>还没有证据。聊天记录、订单信息和照片能帮助平台判断。</source>
        <translation>No evidence yet. Chat messages, order details and photos help the platform decide.</translation>
    </message>
</context>
<context>
    <name>Fields</name>
    <message>
        <source>{field}：{problem}</source>
        <translation>{field}: {problem}</translation>
    </message>
    <message>
        <source>不能超过实付款 {limit}</source>
        <translation>cannot exceed the amount paid, {limit}</translation>
    </message>
    <message>
        <source>买家要求</source>
        <translation>Buyer asks for</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>只有判定为疑似恶意投诉时才走平台申诉</source>
        <translation>only a suspected malicious complaint goes to a platform appeal</translation>
    </message>
    <message>
        <source>售后商品</source>
        <translation>Items</translation>
    </message>
    <message>
        <source>售后类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>回复</source>
        <translation>Reply</translation>
    </message>
    <message>
        <source>回访时间</source>
        <translation>Follow-up</translation>
    </message>
    <message>
        <source>备注</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>客户诉求</source>
        <translation>Customer wants</translation>
    </message>
    <message>
        <source>平台已判定时请写明判定结果</source>
        <translation>write down the ruling once the platform has ruled</translation>
    </message>
    <message>
        <source>必填</source>
        <translation>required</translation>
    </message>
    <message>
        <source>想换的颜色 / 尺码</source>
        <translation>Colour / size wanted</translation>
    </message>
    <message>
        <source>投诉类型</source>
        <translation>Complaint type</translation>
    </message>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>时限</source>
        <translation>Deadlines</translation>
    </message>
    <message>
        <source>最多 {limit} 个字（现在 {length} 个）</source>
        <translation>at most {limit} characters (now {length})</translation>
    </message>
    <message>
        <source>最多 {limit} 条</source>
        <translation>at most {limit}</translation>
    </message>
    <message>
        <source>没有找到订单 {order_no}</source>
        <translation>no order {order_no} found</translation>
    </message>
    <message>
        <source>申诉单号</source>
        <translation>Appeal no.</translation>
    </message>
    <message>
        <source>申诉状态</source>
        <translation>Appeal state</translation>
    </message>
    <message>
        <source>申诉说明</source>
        <translation>Appeal notes</translation>
    </message>
    <message>
        <source>第 {row} 条名称最多 {limit} 个字</source>
        <translation>row {row}: the name can be at most {limit} characters</translation>
    </message>
    <message>
        <source>第 {row} 条缺少名称</source>
        <translation>row {row} has no name</translation>
    </message>
    <message>
        <source>纠纷原因</source>
        <translation>Cause</translation>
    </message>
    <message>
        <source>约定 / 判定结果</source>
        <translation>Agreed / ruled outcome</translation>
    </message>
    <message>
        <source>约定金额</source>
        <translation>Agreed amount</translation>
    </message>
    <message>
        <source>给出方案后请约定回访时间</source>
        <translation>once a solution is offered, agree when to follow up</translation>
    </message>
    <message>
        <source>至少写 {minimum} 个字</source>
        <translation>write at least {minimum} characters</translation>
    </message>
    <message>
        <source>补偿方式</source>
        <translation>Compensation</translation>
    </message>
    <message>
        <source>补偿说明</source>
        <translation>Compensation notes</translation>
    </message>
    <message>
        <source>补偿金额</source>
        <translation>Compensation amount</translation>
    </message>
    <message>
        <source>要求金额</source>
        <translation>Amount asked</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order no.</translation>
    </message>
    <message>
        <source>诉求金额</source>
        <translation>Amount demanded</translation>
    </message>
    <message>
        <source>请填写大于 0 的金额</source>
        <translation>enter an amount greater than 0</translation>
    </message>
    <message>
        <source>运单号</source>
        <translation>Tracking no.</translation>
    </message>
    <message>
        <source>这一项不适用于所选的售后类型</source>
        <translation>does not apply to the chosen kind</translation>
    </message>
    <message>
        <source>这笔订单不属于当前客户</source>
        <translation>this order belongs to another customer</translation>
    </message>
    <message>
        <source>退款类型</source>
        <translation>Refund type</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>金额不能为负</source>
        <translation>the amount cannot be negative</translation>
    </message>
    <message>
        <source>问题描述</source>
        <translation>Problem</translation>
    </message>
</context>
<context>
    <name>FollowUpRuleDialog</name>
    <message>
        <source>关怀话术</source>
        <translation>Care templates</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>启用</source>
        <translation>On</translation>
    </message>
    <message>
        <source>天</source>
        <translation>days</translation>
    </message>
    <message>
        <source>天数</source>
        <translation>Days</translation>
    </message>
    <message>
        <source>新建回访规则</source>
        <translation>New follow-up rule</translation>
    </message>
    <message>
        <source>流失预警客户在 N 天后回访；M 天内不重复安排。</source>
        <translation>At-risk customers are followed up after N days, and not again within M days.</translation>
    </message>
    <message>
        <source>签收后回访</source>
        <translation>After-delivery visit</translation>
    </message>
    <message>
        <source>编辑回访规则</source>
        <translation>Edit follow-up rule</translation>
    </message>
    <message>
        <source>至</source>
        <translation>to</translation>
    </message>
    <message>
        <source>触发</source>
        <translation>Trigger</translation>
    </message>
    <message>
        <source>订单签收后第 N 至 M 天内安排回访，每个订单只安排一次。</source>
        <translation>Plans a follow-up N to M days after an order is signed for, once per order.</translation>
    </message>
    <message>
        <source>（不用话术）</source>
        <translation>(no template)</translation>
    </message>
</context>
<context>
    <name>FollowUpScheduleDialog</name>
    <message>
        <source>关怀话术</source>
        <translation>Care templates</translation>
    </message>
    <message>
        <source>回访原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>回访日期</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>安排回访</source>
        <translation>Plan follow-up</translation>
    </message>
    <message>
        <source>电话回访</source>
        <translation>Phone follow-up</translation>
    </message>
    <message>
        <source>（不用话术）</source>
        <translation>(no template)</translation>
    </message>
</context>
<context>
    <name>FollowUpTableModel</name>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customers</translation>
    </message>
    <message>
        <source>已逾期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>应回访</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>手机</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>订单</source>
        <translation>Orders</translation>
    </message>
</context>
<context>
    <name>FollowUpsPage</name>
    <message>
        <source>{a}–{b} 天</source>
        <translation>{a}–{b} days</translation>
    </message>
    <message>
        <source>不用话术</source>
        <translation>no template</translation>
    </message>
    <message>
        <source>停用</source>
        <translation>Off</translation>
    </message>
    <message>
        <source>关怀话术</source>
        <translation>Care templates</translation>
    </message>
    <message>
        <source>关怀话术可以使用占位符，如 {examples}，发送时自动替换成客户的信息。</source>
        <translation>Care templates can use placeholders such as {examples}; they are filled in with the customer&apos;s details when sent.</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>删除这条规则？已经安排的回访会保留。</source>
        <translation>Delete this rule? Follow-ups it planned stay.</translation>
    </message>
    <message>
        <source>删除这条话术？用到它的规则将不再附带话术。</source>
        <translation>Delete this template? Rules that use it will send none.</translation>
    </message>
    <message>
        <source>发送关怀…</source>
        <translation>Send care…</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>取消回访</source>
        <translation>Cancel follow-up</translation>
    </message>
    <message>
        <source>启用</source>
        <translation>On</translation>
    </message>
    <message>
        <source>回访清单</source>
        <translation>Follow-up list</translation>
    </message>
    <message>
        <source>回访规则</source>
        <translation>Follow-up rules</translation>
    </message>
    <message>
        <source>已发送给 {nick}，回访等待记录结果。</source>
        <translation>Sent to {nick}; the follow-up awaits its outcome.</translation>
    </message>
    <message>
        <source>已取消 {nick} 的回访。</source>
        <translation>Cancelled the follow-up of {nick}.</translation>
    </message>
    <message>
        <source>已记录 {nick} 的回访结果。</source>
        <translation>Recorded the outcome for {nick}.</translation>
    </message>
    <message>
        <source>按规则新安排了 {n} 个回访。</source>
        <translation>The rules planned {n} new follow-ups.</translation>
    </message>
    <message>
        <source>按规则生成回访</source>
        <translation>Plan by rules</translation>
    </message>
    <message>
        <source>新建规则</source>
        <translation>New rule</translation>
    </message>
    <message>
        <source>新建话术</source>
        <translation>New template</translation>
    </message>
    <message>
        <source>查看客户</source>
        <translation>Show customer</translation>
    </message>
    <message>
        <source>编辑</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>规则已保存。</source>
        <translation>The rule was saved.</translation>
    </message>
    <message>
        <source>规则已删除。</source>
        <translation>The rule was deleted.</translation>
    </message>
    <message>
        <source>规则每天自动找出需要回访的客户：例如订单签收后 1–3 天做关怀回访，或召回流失预警客户。点“按规则生成回访”立即执行一次。</source>
        <translation>Rules find the customers to follow up: e.g. a care visit 1–3 days after delivery, or winning back at-risk customers. Plan by rules runs them now.</translation>
    </message>
    <message>
        <source>记录结果…</source>
        <translation>Record outcome…</translation>
    </message>
    <message>
        <source>话术已保存。</source>
        <translation>The template was saved.</translation>
    </message>
    <message>
        <source>话术已删除。</source>
        <translation>The template was deleted.</translation>
    </message>
    <message>
        <source>请确认</source>
        <translation>Please confirm</translation>
    </message>
</context>
<context>
    <name>GroupDialog</name>
    <message>
        <source>买家的第一句话含这些词时分到本组；不填关键词的组接待其余买家。</source>
        <translation>Customers whose first message contains one of these words go to this group; a group without keywords takes everyone else.</translation>
    </message>
    <message>
        <source>例如：售后组</source>
        <translation>e.g. After-sales</translation>
    </message>
    <message>
        <source>例如：退货 退款 维修 换货</source>
        <translation>e.g. return refund repair exchange</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>分组关键词</source>
        <translation>Keywords</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>新建接待组</source>
        <translation>New reception group</translation>
    </message>
    <message>
        <source>组员</source>
        <translation>Members</translation>
    </message>
    <message>
        <source>编辑接待组</source>
        <translation>Edit reception group</translation>
    </message>
</context>
<context>
    <name>HistoryDialog</name>
    <message>
        <source>{agent} · 只读：要回复买家，请先接管</source>
        <translation>{agent} · Read-only: take the chat over to reply to the buyer</translation>
    </message>
    <message>
        <source>{nick} · 会话记录</source>
        <translation>{nick} · Chat history</translation>
    </message>
</context>
<context>
    <name>KbPickerDialog</name>
    <message>
        <source>{n} 个问题</source>
        <translation>{n} questions</translation>
    </message>
    <message>
        <source>全部版块</source>
        <translation>All sections</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>在各版块中查找客户最关心的问题，可多选；添加后可在右侧修改卡片里的答案。</source>
        <translation>Find the questions customers care about most, in any section (several at once); you can change their card answers afterwards.</translation>
    </message>
    <message>
        <source>搜索问题</source>
        <translation>Search questions</translation>
    </message>
    <message>
        <source>新增卡片问题</source>
        <translation>Add card questions</translation>
    </message>
    <message>
        <source>添加</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>问题</source>
        <translation>Question</translation>
    </message>
</context>
<context>
    <name>KbTexts</name>
    <message>
        <source>「{name}」是标准分类，不能重命名或删除</source>
        <translation>“{name}” is a standard category; it cannot be renamed or deleted</translation>
    </message>
    <message>
        <source>「{value}」与第 {first} 行不一致</source>
        <translation>“{value}” differs from row {first}</translation>
    </message>
    <message>
        <source>「{value}」含有控制字符或无效字符</source>
        <translation>“{value}” contains control characters or invalid text</translation>
    </message>
    <message>
        <source>「{value}」应为“相似问法”或“关键词”</source>
        <translation>“{value}” should be “similar” or “keyword”</translation>
    </message>
    <message>
        <source>「{value}」应填“是”或“否”</source>
        <translation>“{value}” should be yes or no</translation>
    </message>
    <message>
        <source>不支持「{suffix}」文件，请使用 CSV 或 XLSX</source>
        <translation>“{suffix}” files are not supported; use CSV or XLSX</translation>
    </message>
    <message>
        <source>不认识的列「{column}」</source>
        <translation>Unknown column “{column}”</translation>
    </message>
    <message>
        <source>与问法一字不差</source>
        <translation>Same as a phrasing</translation>
    </message>
    <message>
        <source>保留为自定义问题</source>
        <translation>Kept as a custom question</translation>
    </message>
    <message>
        <source>保留店铺修改</source>
        <translation>Kept the shop&apos;s edit</translation>
    </message>
    <message>
        <source>关键词规则命中：{words}</source>
        <translation>Keyword rule matched: {words}</translation>
    </message>
    <message>
        <source>分类「{name}」不存在</source>
        <translation>There is no category “{name}”</translation>
    </message>
    <message>
        <source>分类名</source>
        <translation>Category name</translation>
    </message>
    <message>
        <source>分类名不能为空</source>
        <translation>The category name cannot be empty</translation>
    </message>
    <message>
        <source>分类名最多 {limit} 个字</source>
        <translation>A category name has at most {limit} characters</translation>
    </message>
    <message>
        <source>列「{column}」出现了两次</source>
        <translation>Column “{column}” appears twice</translation>
    </message>
    <message>
        <source>反向问法</source>
        <translation>Negative phrasing</translation>
    </message>
    <message>
        <source>反问：你可能想问</source>
        <translation>Asks back: did you mean</translation>
    </message>
    <message>
        <source>同义词：「{typed}」=「{canon}」</source>
        <translation>Synonym: “{typed}” = “{canon}”</translation>
    </message>
    <message>
        <source>启用</source>
        <translation>On</translation>
    </message>
    <message>
        <source>售后问题</source>
        <translation>After-sales</translation>
    </message>
    <message>
        <source>商品问题</source>
        <translation>Products</translation>
    </message>
    <message>
        <source>填了核心词，但这一行没有问法</source>
        <translation>Core words given but the row has no phrasing</translation>
    </message>
    <message>
        <source>填了生效时间，但这一行没有答案</source>
        <translation>A validity date given but the row has no answer</translation>
    </message>
    <message>
        <source>字面相似度 {value}</source>
        <translation>Similar wording {value}</translation>
    </message>
    <message>
        <source>已取消，没有导入任何内容</source>
        <translation>Cancelled; nothing was imported</translation>
    </message>
    <message>
        <source>已更新</source>
        <translation>Updated</translation>
    </message>
    <message>
        <source>已移除</source>
        <translation>Removed</translation>
    </message>
    <message>
        <source>已经有名为「{name}」的分类</source>
        <translation>There is already a category named “{name}”</translation>
    </message>
    <message>
        <source>已经有标准问题为「{text}」的知识</source>
        <translation>An entry with the standard question “{text}” already exists</translation>
    </message>
    <message>
        <source>已经订阅了这个行业包</source>
        <translation>This industry pack is already subscribed</translation>
    </message>
    <message>
        <source>忽略了语气词：{words}</source>
        <translation>Ignored filler words: {words}</translation>
    </message>
    <message>
        <source>找不到行业包 {pack_id} {version}</source>
        <translation>No industry pack {pack_id} {version}</translation>
    </message>
    <message>
        <source>按同音字纠正：{pairs}</source>
        <translation>Homophone typos corrected: {pairs}</translation>
    </message>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>文件太大（最多 {limit_mb} MB）</source>
        <translation>The file is too large (at most {limit_mb} MB)</translation>
    </message>
    <message>
        <source>文件或文件夹不存在</source>
        <translation>The file or folder does not exist</translation>
    </message>
    <message>
        <source>文件是空的</source>
        <translation>The file is empty</translation>
    </message>
    <message>
        <source>文件正被其他程序使用或没有权限，如在 Excel 中打开了请先关闭</source>
        <translation>The file is in use by another program or you lack permission; if it is open in Excel, close it first</translation>
    </message>
    <message>
        <source>文件里没有知识</source>
        <translation>The file has no entries</translation>
    </message>
    <message>
        <source>文件里没有问题</source>
        <translation>The file has no questions</translation>
    </message>
    <message>
        <source>新增</source>
        <translation>Added</translation>
    </message>
    <message>
        <source>无变化</source>
        <translation>Unchanged</translation>
    </message>
    <message>
        <source>无法写入文件：{reason}</source>
        <translation>Cannot write the file: {reason}</translation>
    </message>
    <message>
        <source>无法识别文件编码，请另存为 UTF-8 编码的 CSV 或 XLSX</source>
        <translation>Unknown text encoding; save the file as UTF-8 CSV or as XLSX</translation>
    </message>
    <message>
        <source>无法读取文件：{reason}</source>
        <translation>Cannot read the file: {reason}</translation>
    </message>
    <message>
        <source>日期「{value}」应在 1990-01-01 到 2100-12-31 之间</source>
        <translation>the date “{value}” must be between 1990-01-01 and 2100-12-31</translation>
    </message>
    <message>
        <source>日期「{value}」格式不对，应为 2024-11-01</source>
        <translation>Date “{value}” is not valid; write it like 2024-11-01</translation>
    </message>
    <message>
        <source>更多问题</source>
        <translation>More</translation>
    </message>
    <message>
        <source>最多 {limit} 条答案</source>
        <translation>At most {limit} answers</translation>
    </message>
    <message>
        <source>未能回答（转人工或兜底回复）</source>
        <translation>No answer (fallback reply or hand-off)</translation>
    </message>
    <message>
        <source>标准问题</source>
        <translation>Standard question</translation>
    </message>
    <message>
        <source>标准问题不能为空</source>
        <translation>The standard question cannot be empty</translation>
    </message>
    <message>
        <source>标准问题最多 {limit} 个字</source>
        <translation>A standard question has at most {limit} characters</translation>
    </message>
    <message>
        <source>核心词</source>
        <translation>Core words</translation>
    </message>
    <message>
        <source>核心词「{word}」不在问法中</source>
        <translation>Core word “{word}” is not in the phrasing</translation>
    </message>
    <message>
        <source>核心词最多选 {limit} 个</source>
        <translation>Choose at most {limit} core words</translation>
    </message>
    <message>
        <source>核心词都出现了：{words}</source>
        <translation>All core words present: {words}</translation>
    </message>
    <message>
        <source>活动优惠</source>
        <translation>Promotions</translation>
    </message>
    <message>
        <source>版本 {version} 不比当前的 {current} 新</source>
        <translation>Version {version} is not newer than the current {current}</translation>
    </message>
    <message>
        <source>物流问题</source>
        <translation>Shipping</translation>
    </message>
    <message>
        <source>生效时间</source>
        <translation>Validity</translation>
    </message>
    <message>
        <source>生效结束日期早于开始日期</source>
        <translation>The end date is before the start date</translation>
    </message>
    <message>
        <source>直接回答</source>
        <translation>Answers directly</translation>
    </message>
    <message>
        <source>相关词：「{a}」≈「{b}」</source>
        <translation>Related words: “{a}” ≈ “{b}”</translation>
    </message>
    <message>
        <source>第 {line} 行太长</source>
        <translation>line {line} is too long</translation>
    </message>
    <message>
        <source>第 {line} 行，{column}：{message}</source>
        <translation>Row {line}, {column}: {message}</translation>
    </message>
    <message>
        <source>第 {line} 行：{message}</source>
        <translation>Row {line}: {message}</translation>
    </message>
    <message>
        <source>答案</source>
        <translation>Answer</translation>
    </message>
    <message>
        <source>答案不能为空</source>
        <translation>The answer cannot be empty</translation>
    </message>
    <message>
        <source>答案最多 {limit} 个字</source>
        <translation>An answer has at most {limit} characters</translation>
    </message>
    <message>
        <source>缺少列「{column}」</source>
        <translation>Column “{column}” is missing</translation>
    </message>
    <message>
        <source>聊天互动</source>
        <translation>Chat</translation>
    </message>
    <message>
        <source>至少需要一条答案</source>
        <translation>At least one answer is needed</translation>
    </message>
    <message>
        <source>行数太多（最多 {limit} 行）</source>
        <translation>too many rows (at most {limit})</translation>
    </message>
    <message>
        <source>请选择问题类型</source>
        <translation>Choose a question type</translation>
    </message>
    <message>
        <source>购买操作</source>
        <translation>Ordering</translation>
    </message>
    <message>
        <source>跳过（已有同样的问题）</source>
        <translation>Skipped (the shop already has this question)</translation>
    </message>
    <message>
        <source>跳过（店铺已删除）</source>
        <translation>Skipped (deleted by the shop)</translation>
    </message>
    <message>
        <source>转人工规则：买家重复询问同一问题「{question}」</source>
        <translation>Transfer rule: the buyer asked the same question again (“{question}”)</translation>
    </message>
    <message>
        <source>转人工规则：检测到买家负面情绪（{words}）</source>
        <translation>Transfer rule: negative emotion detected ({words})</translation>
    </message>
    <message>
        <source>转人工规则：消息含转人工关键词「{word}」</source>
        <translation>Transfer rule: the message contains the transfer keyword “{word}”</translation>
    </message>
    <message>
        <source>转人工规则：知识「{question}」标记为需要人工</source>
        <translation>Transfer rule: the entry “{question}” is marked as needing a human</translation>
    </message>
    <message>
        <source>转人工规则：连续 {n} 条消息未能识别</source>
        <translation>Transfer rule: {n} messages in a row not understood</translation>
    </message>
    <message>
        <source>还没有订阅这个行业包</source>
        <translation>This industry pack is not subscribed</translation>
    </message>
    <message>
        <source>这条知识已经被删除了</source>
        <translation>This entry has been deleted</translation>
    </message>
    <message>
        <source>长消息里的这一句：{clause}</source>
        <translation>This sentence of a long message: {clause}</translation>
    </message>
    <message>
        <source>问法</source>
        <translation>Phrasing</translation>
    </message>
    <message>
        <source>问法「{text}」和标准问题一样</source>
        <translation>Phrasing “{text}” is the same as the standard question</translation>
    </message>
    <message>
        <source>问法「{text}」重复了</source>
        <translation>Phrasing “{text}” is repeated</translation>
    </message>
    <message>
        <source>问法不能为空</source>
        <translation>A phrasing cannot be empty</translation>
    </message>
    <message>
        <source>问法最多 {limit} 个字</source>
        <translation>A phrasing has at most {limit} characters</translation>
    </message>
    <message>
        <source>问法类型</source>
        <translation>Phrasing type</translation>
    </message>
    <message>
        <source>问题类型</source>
        <translation>Question type</translation>
    </message>
    <message>
        <source>需要人工</source>
        <translation>Needs a human</translation>
    </message>
</context>
<context>
    <name>KnowledgePage</name>
    <message>
        <source>知识库</source>
        <translation>Knowledge base</translation>
    </message>
    <message>
        <source>行业包</source>
        <translation>Industry packs</translation>
    </message>
    <message>
        <source>问答测试</source>
        <translation>Test questions</translation>
    </message>
</context>
<context>
    <name>KnowledgeTab</name>
    <message>
        <source>CSV 文件 (*.csv)</source>
        <translation>CSV files (*.csv)</translation>
    </message>
    <message>
        <source>Excel 表格 (*.xlsx)</source>
        <translation>Excel workbooks (*.xlsx)</translation>
    </message>
    <message>
        <source>{name} 有 {n} 处问题，没有导入任何内容。改好后再导入：</source>
        <translation>{name} has {n} problems; nothing was imported. Fix them and import again:</translation>
    </message>
    <message>
        <source>下载导入模板</source>
        <translation>Download the import template</translation>
    </message>
    <message>
        <source>下载导入模板…</source>
        <translation>Download import template…</translation>
    </message>
    <message>
        <source>共 {n} 条知识</source>
        <translation>{n} entries</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>分类名，如：尺码专区</source>
        <translation>Category name, e.g. Size help</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>删除「{question}」？删除后机器人不再回答这个问题。</source>
        <translation>Delete “{question}”? The bot will no longer answer this question.</translation>
    </message>
    <message>
        <source>删除分类</source>
        <translation>Delete category</translation>
    </message>
    <message>
        <source>删除分类「{name}」？其中的知识会移到「{fallback}」。</source>
        <translation>Delete the category “{name}”? Its entries move to “{fallback}”.</translation>
    </message>
    <message>
        <source>删除知识</source>
        <translation>Delete entry</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>取消导入</source>
        <translation>Cancel import</translation>
    </message>
    <message>
        <source>导入 / 导出 ▾</source>
        <translation>Import / export ▾</translation>
    </message>
    <message>
        <source>导入 CSV / XLSX…</source>
        <translation>Import CSV / XLSX…</translation>
    </message>
    <message>
        <source>导入失败，没有导入任何内容：</source>
        <translation>Import failed; nothing was imported:</translation>
    </message>
    <message>
        <source>导入完成：新增 {added} 条，更新 {updated} 条</source>
        <translation>Imported: {added} added, {updated} updated</translation>
    </message>
    <message>
        <source>导入知识</source>
        <translation>Import entries</translation>
    </message>
    <message>
        <source>导出为 CSV…</source>
        <translation>Export as CSV…</translation>
    </message>
    <message>
        <source>导出为 XLSX…</source>
        <translation>Export as XLSX…</translation>
    </message>
    <message>
        <source>导出知识</source>
        <translation>Export entries</translation>
    </message>
    <message>
        <source>已保存「{question}」，问答测试和智能辅助立即生效</source>
        <translation>Saved “{question}”; the test window and smart assist use it right away</translation>
    </message>
    <message>
        <source>已删除「{question}」</source>
        <translation>Deleted “{question}”</translation>
    </message>
    <message>
        <source>已导出 {n} 条知识到 {path}</source>
        <translation>Exported {n} entries to {path}</translation>
    </message>
    <message>
        <source>当前知识有未保存的修改，放弃这些修改？</source>
        <translation>This entry has unsaved changes. Discard them?</translation>
    </message>
    <message>
        <source>按昨日热度</source>
        <translation>Hottest yesterday</translation>
    </message>
    <message>
        <source>按最近修改</source>
        <translation>Recently edited</translation>
    </message>
    <message>
        <source>按标准问题</source>
        <translation>By question</translation>
    </message>
    <message>
        <source>按累计命中</source>
        <translation>Most used</translation>
    </message>
    <message>
        <source>按近7天热度</source>
        <translation>Hottest in 7 days</translation>
    </message>
    <message>
        <source>搜索问题、问法或答案</source>
        <translation>Search questions, phrasings or answers</translation>
    </message>
    <message>
        <source>放弃修改</source>
        <translation>Discard changes</translation>
    </message>
    <message>
        <source>新建分类</source>
        <translation>New category</translation>
    </message>
    <message>
        <source>新建自定义问题</source>
        <translation>New custom question</translation>
    </message>
    <message>
        <source>模板已保存到 {path}</source>
        <translation>Template saved to {path}</translation>
    </message>
    <message>
        <source>正在取消导入…</source>
        <translation>Cancelling the import…</translation>
    </message>
    <message>
        <source>正在导入 {name}…</source>
        <translation>Importing {name}…</translation>
    </message>
    <message>
        <source>注意：问法「{phrasing}」与知识「{question}」（编号 {id}）的问法「{other}」相同，买家这样问时可能由那条知识回答。</source>
        <translation>Note: the phrasing “{phrasing}” is the same as the phrasing “{other}” of the entry “{question}” (no. {id}); a buyer asking this may get that entry&apos;s answer.</translation>
    </message>
    <message>
        <source>注意：问法「{phrasing}」与知识「{question}」（编号 {id}）的问法「{other}」非常接近（{score}），买家这样问时可能由那条知识回答。</source>
        <translation>Note: the phrasing “{phrasing}” is very close ({score}) to the phrasing “{other}” of the entry “{question}” (no. {id}); a buyer asking this may get that entry&apos;s answer.</translation>
    </message>
    <message>
        <source>知识分类</source>
        <translation>Categories</translation>
    </message>
    <message>
        <source>知识导入模板</source>
        <translation>knowledge import template</translation>
    </message>
    <message>
        <source>知识库</source>
        <translation>knowledge base</translation>
    </message>
    <message>
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>表格文件 (*.csv *.xlsx)</source>
        <translation>Spreadsheets (*.csv *.xlsx)</translation>
    </message>
    <message>
        <source>重命名</source>
        <translation>Rename</translation>
    </message>
</context>
<context>
    <name>LabPage</name>
    <message>
        <source>Excel 表格 (*.xlsx)</source>
        <translation>Excel workbook (*.xlsx)</translation>
    </message>
    <message>
        <source>PDF 文件 (*.pdf)</source>
        <translation>PDF file (*.pdf)</translation>
    </message>
    <message>
        <source>{name}_实战记录表.{kind}</source>
        <translation>{name}_lab_record.{kind}</translation>
    </message>
    <message>
        <source>「{title}」已重置</source>
        <translation>“{title}” has been reset</translation>
    </message>
    <message>
        <source>交给老师的文件：检查结果、实战记录表和你的配置，防篡改</source>
        <translation>The file for your teacher: the check results, the lab record and your configuration, protected against editing</translation>
    </message>
    <message>
        <source>任务步骤</source>
        <translation>Steps</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>保存答案</source>
        <translation>Save answers</translation>
    </message>
    <message>
        <source>匹配的知识</source>
        <translation>Matched knowledge</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>学号</source>
        <translation>Student no.</translation>
    </message>
    <message>
        <source>学生信息</source>
        <translation>Student</translation>
    </message>
    <message>
        <source>学生信息已保存</source>
        <translation>Student details saved</translation>
    </message>
    <message>
        <source>学生信息未能保存：{error}</source>
        <translation>The student details could not be saved: {error}</translation>
    </message>
    <message>
        <source>实训任务</source>
        <translation>Exercises</translation>
    </message>
    <message>
        <source>实训进行中（{time} 开始）</source>
        <translation>Lab in progress (started {time})</translation>
    </message>
    <message>
        <source>导出实战记录表</source>
        <translation>Export the lab record</translation>
    </message>
    <message>
        <source>导出实战记录表（PDF）</source>
        <translation>Export lab record (PDF)</translation>
    </message>
    <message>
        <source>导出实战记录表（XLSX）</source>
        <translation>Export lab record (XLSX)</translation>
    </message>
    <message>
        <source>导出提交文件</source>
        <translation>Export submission file</translation>
    </message>
    <message>
        <source>已导出：{path}</source>
        <translation>Exported: {path}</translation>
    </message>
    <message>
        <source>店小蜜的回答</source>
        <translation>Assistant&apos;s answer</translation>
    </message>
    <message>
        <source>开始实训</source>
        <translation>Start lab</translation>
    </message>
    <message>
        <source>得分</source>
        <translation>Score</translation>
    </message>
    <message>
        <source>按任务评价表逐项检查你的操作</source>
        <translation>Check your work item by item against the task&apos;s rubric</translation>
    </message>
    <message>
        <source>提交文件 (*.json)</source>
        <translation>Submission file (*.json)</translation>
    </message>
    <message>
        <source>未开始：点「开始实训」后模拟买家才会进店</source>
        <translation>Not started: simulated buyers come in only after Start lab</translation>
    </message>
    <message>
        <source>本实训没有课后作业</source>
        <translation>This exercise has no homework</translation>
    </message>
    <message>
        <source>本实训没有问答测试题</source>
        <translation>This lab has no test questions</translation>
    </message>
    <message>
        <source>检查</source>
        <translation>Check</translation>
    </message>
    <message>
        <source>检查结果</source>
        <translation>Check results</translation>
    </message>
    <message>
        <source>正在提问…</source>
        <translation>Asking…</translation>
    </message>
    <message>
        <source>正在检查…</source>
        <translation>Checking…</translation>
    </message>
    <message>
        <source>清除本实训的设置、会话与成绩，店铺的其他数据保持不变</source>
        <translation>Clears this exercise&apos;s settings, chats and scores; the rest of the shop stays as it is</translation>
    </message>
    <message>
        <source>版块</source>
        <translation>Section</translation>
    </message>
    <message>
        <source>班级</source>
        <translation>Class</translation>
    </message>
    <message>
        <source>班级密钥</source>
        <translation>Class key</translation>
    </message>
    <message>
        <source>用本实训的测试题检验你的店小蜜配置：每个问题的回答、匹配的知识和得分</source>
        <translation>Test your assistant&apos;s setup with this lab&apos;s questions: each answer, the matched knowledge and its score</translation>
    </message>
    <message>
        <source>直接回答 {answered}/{total} 个问题；没答好的，到知识库修改答案或添加问法后再测</source>
        <translation>Answered {answered}/{total} questions directly; for the others, edit answers or add phrasings in the knowledge base and test again</translation>
    </message>
    <message>
        <source>确定重置「{title}」吗？本实训的设置、会话与成绩将被清除，店铺的其他数据保持不变。</source>
        <translation>Reset “{title}”? This exercise&apos;s settings, chats and scores will be cleared; the rest of the shop stays as it is.</translation>
    </message>
    <message>
        <source>等待老师开始本实训：开始后模拟买家才会进店</source>
        <translation>Waiting for the teacher to start this lab: simulated buyers come in once it starts</translation>
    </message>
    <message>
        <source>简答，由老师评定</source>
        <translation>Short answer, marked by the teacher</translation>
    </message>
    <message>
        <source>老师给的班级密钥（没有可留空）</source>
        <translation>The class key from your teacher (leave empty if none)</translation>
    </message>
    <message>
        <source>请先在左下方填写姓名和学号并保存：它们会写在实战记录表和提交文件上</source>
        <translation>First enter and save your name and student number (bottom left): they go on the lab record and the submission file</translation>
    </message>
    <message>
        <source>请填写姓名和学号</source>
        <translation>Please enter your name and student number</translation>
    </message>
    <message>
        <source>课后作业</source>
        <translation>Homework</translation>
    </message>
    <message>
        <source>课后作业答案已保存（{n} 题）</source>
        <translation>Homework answers saved ({n} questions)</translation>
    </message>
    <message>
        <source>运行问答测试</source>
        <translation>Run the test questions</translation>
    </message>
    <message>
        <source>选择左侧的实训任务</source>
        <translation>Pick an exercise on the left</translation>
    </message>
    <message>
        <source>重置本实训</source>
        <translation>Reset this lab</translation>
    </message>
    <message>
        <source>问答测试</source>
        <translation>Test questions</translation>
    </message>
    <message>
        <source>问题</source>
        <translation>Question</translation>
    </message>
    <message>
        <source>（没有直接回答）</source>
        <translation>(no direct answer)</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>登录</source>
        <translation>Log in</translation>
    </message>
    <message>
        <source>登录共享数据库</source>
        <translation>Log in to the shared database</translation>
    </message>
    <message>
        <source>登录工作台</source>
        <translation>Log in to Workbench</translation>
    </message>
    <message>
        <source>记住我（在本机的系统钥匙串中保存登录凭据）</source>
        <translation>Remember me (keeps a login token in this computer&apos;s system keyring)</translation>
    </message>
    <message>
        <source>请输入账号和密码。</source>
        <translation>Enter your username and password.</translation>
    </message>
    <message>
        <source>账号</source>
        <translation>Username</translation>
    </message>
    <message>
        <source>账号名</source>
        <translation>Username</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
</context>
<context>
    <name>LoginFlow</name>
    <message>
        <source>服务器：{host}</source>
        <translation>Server: {host}</translation>
    </message>
    <message>
        <source>本机数据</source>
        <translation>Data on this computer</translation>
    </message>
    <message>
        <source>正在打开工作台…</source>
        <translation>Opening the desk…</translation>
    </message>
    <message>
        <source>请登录</source>
        <translation>Please log in</translation>
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
        <source>与服务器的连接已断开，正在重新连接…</source>
        <translation>Connection to the server lost; reconnecting…</translation>
    </message>
    <message>
        <source>主管</source>
        <translation>Supervisor</translation>
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
        <source>售后</source>
        <translation>After-sales</translation>
    </message>
    <message>
        <source>商品货号：{sku}</source>
        <translation>Product SKU: {sku}</translation>
    </message>
    <message>
        <source>团队共用一个模拟客户来源：买家由服务器上运行的 workbench simulate 带来</source>
        <translation>The team shares one customer feed: buyers come from workbench simulate running on the server</translation>
    </message>
    <message>
        <source>实训</source>
        <translation>Lab</translation>
    </message>
    <message>
        <source>实训管理</source>
        <translation>Labs (teacher)</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>客户档案</source>
        <translation>Profile</translation>
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
        <source>已连接：{db}</source>
        <translation>Connected: {db}</translation>
    </message>
    <message>
        <source>已重新连接服务器，其他客服的更改已同步</source>
        <translation>Reconnected to the server; other agents&apos; changes are up to date</translation>
    </message>
    <message>
        <source>店小蜜</source>
        <translation>Assistant</translation>
    </message>
    <message>
        <source>快捷键</source>
        <translation>Keyboard shortcuts</translation>
    </message>
    <message>
        <source>快捷键一览（F1）</source>
        <translation>Keyboard shortcuts (F1)</translation>
    </message>
    <message>
        <source>把会话转交给同事或接待组，附上备注</source>
        <translation>Hand the chat over to a colleague or a reception group, with a note</translation>
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
        <source>数据中心</source>
        <translation>Data centre</translation>
    </message>
    <message>
        <source>数据库已恢复正常，模拟客户继续进店</source>
        <translation>The database works again; simulated customers are coming in again</translation>
    </message>
    <message>
        <source>智能辅助</source>
        <translation>Smart Assist</translation>
    </message>
    <message>
        <source>服务器 {host}</source>
        <translation>server {host}</translation>
    </message>
    <message>
        <source>本机数据</source>
        <translation>Data on this computer</translation>
    </message>
    <message>
        <source>来一位模拟客户</source>
        <translation>Simulate a customer</translation>
    </message>
    <message>
        <source>模拟买家在老师开始实训后进店（你自己的店铺）</source>
        <translation>Simulated buyers come once the teacher starts the lab (your own shop)</translation>
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
        <source>知识库</source>
        <translation>Knowledge</translation>
    </message>
    <message>
        <source>结束会话</source>
        <translation>End chat</translation>
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
        <source>语言、主题与数据库的更改将在重新启动后生效。</source>
        <translation>Language, theme and database changes take effect after a restart.</translation>
    </message>
    <message>
        <source>请先在「接待」中打开与买家的会话</source>
        <translation>Open the buyer&apos;s conversation in Reception first</translation>
    </message>
    <message>
        <source>请先把「{name}」换成实际内容</source>
        <translation>Replace “{name}” with the real text first</translation>
    </message>
    <message>
        <source>课堂</source>
        <translation>Classroom</translation>
    </message>
    <message>
        <source>转交</source>
        <translation>Transfer</translation>
    </message>
</context>
<context>
    <name>MergeTagsDialog</name>
    <message>
        <source>合并到</source>
        <translation>Merge into</translation>
    </message>
    <message>
        <source>合并标签</source>
        <translation>Merge tags</translation>
    </message>
    <message>
        <source>把“{names}”（共 {n} 次使用）合并到下面的标签，原标签随后删除。</source>
        <translation>Merge &quot;{names}&quot; (used {n} times) into the tag below; the old tags are then deleted.</translation>
    </message>
</context>
<context>
    <name>MessagePicker</name>
    <message>
        <source>聊天记录</source>
        <translation>Chat messages</translation>
    </message>
    <message>
        <source>该客户没有聊天记录。</source>
        <translation>This customer has no chat messages.</translation>
    </message>
</context>
<context>
    <name>MissTable</name>
    <message>
        <source>实际命中</source>
        <translation>Answered by</translation>
    </message>
    <message>
        <source>期望知识</source>
        <translation>Expected entry</translation>
    </message>
    <message>
        <source>机器人</source>
        <translation>Bot</translation>
    </message>
    <message>
        <source>相似度</source>
        <translation>Score</translation>
    </message>
    <message>
        <source>行</source>
        <translation>Row</translation>
    </message>
    <message>
        <source>问题</source>
        <translation>Question</translation>
    </message>
</context>
<context>
    <name>MoreCustomerFiltersDialog</name>
    <message>
        <source>不限</source>
        <translation>Any</translation>
    </message>
    <message>
        <source>更多筛选条件</source>
        <translation>More filters</translation>
    </message>
    <message>
        <source>最近购买</source>
        <translation>Last purchase</translation>
    </message>
    <message>
        <source>累计消费</source>
        <translation>Total spent</translation>
    </message>
    <message>
        <source>至</source>
        <translation>to</translation>
    </message>
    <message>
        <source>订单数</source>
        <translation>Orders</translation>
    </message>
</context>
<context>
    <name>NewEvidenceBox</name>
    <message>
        <source>从聊天中选择消息</source>
        <translation>Pick messages from the chat</translation>
    </message>
    <message>
        <source>提交时一并保存；提交后也可以在工单里继续添加。</source>
        <translation>Saved with the form; more can be added in the case afterwards.</translation>
    </message>
    <message>
        <source>未选择文件</source>
        <translation>No files chosen</translation>
    </message>
    <message>
        <source>添加图片 / 文件…</source>
        <translation>Add pictures / files…</translation>
    </message>
    <message>
        <source>清空</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>证据</source>
        <translation>Evidence</translation>
    </message>
    <message>
        <source>附上物流轨迹</source>
        <translation>Attach logistics trace</translation>
    </message>
    <message>
        <source>附上订单快照</source>
        <translation>Attach order snapshot</translation>
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
    <name>OpenFailure</name>
    <message>
        <source>下次启动时将从 {name} 恢复。请重新启动工作台。</source>
        <translation>The next start restores {name}. Please start the workbench again.</translation>
    </message>
    <message>
        <source>从备份恢复</source>
        <translation>Restore from backup</translation>
    </message>
    <message>
        <source>从备份恢复…</source>
        <translation>Restore from backup…</translation>
    </message>
    <message>
        <source>无法打开工作台</source>
        <translation>Couldn&apos;t open Workbench</translation>
    </message>
</context>
<context>
    <name>OptionTable</name>
    <message>
        <source>原因</source>
        <translation>Why</translation>
    </message>
    <message>
        <source>命中问法</source>
        <translation>Matched phrasing</translation>
    </message>
    <message>
        <source>标准问题</source>
        <translation>Standard question</translation>
    </message>
    <message>
        <source>相似度</source>
        <translation>Score</translation>
    </message>
</context>
<context>
    <name>OrderDetail</name>
    <message>
        <source>{field}：{old} → {new}</source>
        <translation>{field}: {old} → {new}</translation>
    </message>
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
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>保存地址</source>
        <translation>Save address</translation>
    </message>
    <message>
        <source>修改地址</source>
        <translation>Change address</translation>
    </message>
    <message>
        <source>修改记录</source>
        <translation>Change log</translation>
    </message>
    <message>
        <source>卖家备注</source>
        <translation>Seller memo</translation>
    </message>
    <message>
        <source>卖家备注（仅自己可见）</source>
        <translation>Seller memo (only visible to you)</translation>
    </message>
    <message>
        <source>发货前可以修改收货地址</source>
        <translation>The shipping address can be changed before the order ships</translation>
    </message>
    <message>
        <source>发货时间</source>
        <translation>Shipped</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
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
        <source>备注与旗帜</source>
        <translation>Memo and flag</translation>
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
        <source>新的收货地址</source>
        <translation>New shipping address</translation>
    </message>
    <message>
        <source>旗帜</source>
        <translation>Flag</translation>
    </message>
    <message>
        <source>无旗帜</source>
        <translation>No flag</translation>
    </message>
    <message>
        <source>无运单号</source>
        <translation>No tracking number</translation>
    </message>
    <message>
        <source>暂无修改记录</source>
        <translation>No changes yet</translation>
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
        <source>紫旗</source>
        <translation>Purple flag</translation>
    </message>
    <message>
        <source>红旗</source>
        <translation>Red flag</translation>
    </message>
    <message>
        <source>绿旗</source>
        <translation>Green flag</translation>
    </message>
    <message>
        <source>蓝旗</source>
        <translation>Blue flag</translation>
    </message>
    <message>
        <source>订单信息</source>
        <translation>Order info</translation>
    </message>
    <message>
        <source>订单已发货，不能再修改收货地址</source>
        <translation>The order has shipped; its shipping address can no longer be changed</translation>
    </message>
    <message>
        <source>运费</source>
        <translation>Shipping fee</translation>
    </message>
    <message>
        <source>颜色：{color}</source>
        <translation>Colour: {color}</translation>
    </message>
    <message>
        <source>黄旗</source>
        <translation>Yellow flag</translation>
    </message>
    <message>
        <source>（无商品明细）</source>
        <translation>(No item details)</translation>
    </message>
    <message>
        <source>（空）</source>
        <translation>(empty)</translation>
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
    <name>OrderTableModel</name>
    <message>
        <source>下单时间</source>
        <translation>Ordered</translation>
    </message>
    <message>
        <source>买家</source>
        <translation>Buyer</translation>
    </message>
    <message>
        <source>实付</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>物流</source>
        <translation>Logistics</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order no.</translation>
    </message>
</context>
<context>
    <name>OrdersPage</name>
    <message>
        <source>上一页</source>
        <translation>Previous</translation>
    </message>
    <message>
        <source>下一页</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>全部状态</source>
        <translation>All states</translation>
    </message>
    <message>
        <source>共 {total} 笔订单，第 {first}–{last} 笔</source>
        <translation>{total} orders, showing {first}–{last}</translation>
    </message>
    <message>
        <source>搜索订单号、运单号或买家昵称</source>
        <translation>Search order no., tracking no. or buyer nick</translation>
    </message>
    <message>
        <source>查询</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>没有符合条件的订单</source>
        <translation>No matching orders</translation>
    </message>
</context>
<context>
    <name>OrdersPanel</name>
    <message>
        <source>也可以在上方输入订单号查单。</source>
        <translation>Or look up an order by its number above.</translation>
    </message>
    <message>
        <source>发送商品链接</source>
        <translation>Send product link</translation>
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
        <source>把订单里的商品作为商品卡片发给买家</source>
        <translation>Send the order&apos;s product to the buyer as a product card</translation>
    </message>
    <message>
        <source>投诉</source>
        <translation>Complain</translation>
    </message>
    <message>
        <source>换货</source>
        <translation>Exchange</translation>
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
        <source>申请售后 ▾</source>
        <translation>After-sales ▾</translation>
    </message>
    <message>
        <source>纠纷</source>
        <translation>Dispute</translation>
    </message>
    <message>
        <source>维修</source>
        <translation>Repair</translation>
    </message>
    <message>
        <source>订单列表</source>
        <translation>Order list</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order no.</translation>
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
        <source>退款</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>退货</source>
        <translation>Return</translation>
    </message>
    <message>
        <source>选择订单查看详情</source>
        <translation>Select an order to see its details</translation>
    </message>
</context>
<context>
    <name>OutcomeDialog</name>
    <message>
        <source>客户怎么说、后续要做什么…</source>
        <translation>What the customer said, what to do next…</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>记录</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>记录回访结果：{nick}</source>
        <translation>Follow-up outcome: {nick}</translation>
    </message>
</context>
<context>
    <name>PackDelegate</name>
    <message>
        <source>{entries} 条知识 · {phrasings} 个问法</source>
        <translation>{entries} entries · {phrasings} phrasings</translation>
    </message>
</context>
<context>
    <name>PackList</name>
    <message>
        <source>{name}行业包 {version}</source>
        <translation>{name} pack {version}</translation>
    </message>
    <message>
        <source>已订阅 {current}</source>
        <translation>Subscribed {current}</translation>
    </message>
    <message>
        <source>已订阅 {current} · 可升级到 {latest}</source>
        <translation>Subscribed {current} · {latest} available</translation>
    </message>
    <message>
        <source>未订阅</source>
        <translation>Not subscribed</translation>
    </message>
</context>
<context>
    <name>PackReport</name>
    <message>
        <source>店铺删除过这条，升级不会加回来</source>
        <translation>The shop deleted this entry; upgrades do not bring it back</translation>
    </message>
    <message>
        <source>新版本不再包含这条；店铺修改过，已转为自定义问题</source>
        <translation>The new version drops this entry; the shop had edited it, so it stays as a custom question</translation>
    </message>
    <message>
        <source>新版本也改了这条，保留了店铺的修改，请对比后手动合并</source>
        <translation>The new version changed this entry too; the shop&apos;s edit was kept. Compare and merge by hand</translation>
    </message>
    <message>
        <source>标准问题</source>
        <translation>Standard question</translation>
    </message>
    <message>
        <source>知识库里已有同样的标准问题，没有重复添加</source>
        <translation>The knowledge base already has this standard question; not added twice</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
</context>
<context>
    <name>Packet</name>
    <message>
        <source> · 整理人 {name}</source>
        <translation> · prepared by {name}</translation>
    </message>
    <message>
        <source>{shop} 售后证据材料</source>
        <translation>{shop} after-sales evidence</translation>
    </message>
    <message>
        <source>下单 / 付款</source>
        <translation>Ordered / paid</translation>
    </message>
    <message>
        <source>买家</source>
        <translation>Buyer</translation>
    </message>
    <message>
        <source>买家要求</source>
        <translation>Buyer asks for</translation>
    </message>
    <message>
        <source>事项</source>
        <translation>Event</translation>
    </message>
    <message>
        <source>依据</source>
        <translation>Grounds</translation>
    </message>
    <message>
        <source>信号</source>
        <translation>Signal</translation>
    </message>
    <message>
        <source>信用等级</source>
        <translation>Credit level</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>分值</source>
        <translation>Points</translation>
    </message>
    <message>
        <source>单号 {no} · {kind} · 生成于 {time}</source>
        <translation>Case {no} · {kind} · generated {time}</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>发货 / 签收</source>
        <translation>Shipped / signed</translation>
    </message>
    <message>
        <source>售后证据材料</source>
        <translation>After-sales evidence</translation>
    </message>
    <message>
        <source>商品</source>
        <translation>Goods</translation>
    </message>
    <message>
        <source>商品明细</source>
        <translation>Items</translation>
    </message>
    <message>
        <source>处理步骤</source>
        <translation>Handling steps</translation>
    </message>
    <message>
        <source>处理状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>客户诉求</source>
        <translation>Customer wants</translation>
    </message>
    <message>
        <source>客服判定</source>
        <translation>Agent&apos;s judgement</translation>
    </message>
    <message>
        <source>差评次数</source>
        <translation>Negative reviews</translation>
    </message>
    <message>
        <source>平台介入</source>
        <translation>Platform</translation>
    </message>
    <message>
        <source>平台申诉</source>
        <translation>Platform appeal</translation>
    </message>
    <message>
        <source>店铺回复</source>
        <translation>Shop&apos;s reply</translation>
    </message>
    <message>
        <source>投诉类型</source>
        <translation>Complaint type</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>晒图</source>
        <translation>Photos</translation>
    </message>
    <message>
        <source>本材料由客服工作台根据店铺记录生成；附件以 SHA-256 校验值标识，可与原件核对。</source>
        <translation>Generated by the workbench from the shop&apos;s records; attachments are identified by their SHA-256 checksum and can be checked against the originals.</translation>
    </message>
    <message>
        <source>注册时间</source>
        <translation>Registered</translation>
    </message>
    <message>
        <source>物流</source>
        <translation>Logistics</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>申诉说明</source>
        <translation>Appeal notes</translation>
    </message>
    <message>
        <source>登记时间</source>
        <translation>Registered</translation>
    </message>
    <message>
        <source>纠纷原因</source>
        <translation>Cause</translation>
    </message>
    <message>
        <source>约定 / 判定</source>
        <translation>Agreed / ruled</translation>
    </message>
    <message>
        <source>经办</source>
        <translation>By</translation>
    </message>
    <message>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>补偿</source>
        <translation>Compensation</translation>
    </message>
    <message>
        <source>订单</source>
        <translation>Order</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order no.</translation>
    </message>
    <message>
        <source>评价</source>
        <translation>Review</translation>
    </message>
    <message>
        <source>评价内容</source>
        <translation>Review text</translation>
    </message>
    <message>
        <source>评分 {score} / 100，风险{level}。以下每一项都列出了依据；是否恶意由客服结合证据判断。</source>
        <translation>Score {score}/100, {level} risk. Each item lists its grounds; whether it is malicious is for the agent to judge from the evidence.</translation>
    </message>
    <message>
        <source>退款次数</source>
        <translation>Refunds</translation>
    </message>
    <message>
        <source>退款类型</source>
        <translation>Refund type</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>问题描述</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>风险评分是程序依据公开规则给出的提示，不构成对买家的指控。</source>
        <translation>The risk score is a hint from published rules, not an accusation against the buyer.</translation>
    </message>
</context>
<context>
    <name>PacksTab</name>
    <message>
        <source>{category} {n}</source>
        <translation>{category} {n}</translation>
    </message>
    <message>
        <source>{name}行业包</source>
        <translation>{name} industry pack</translation>
    </message>
    <message>
        <source>{n} 条冲突：新版本也改了店铺修改过的知识，已保留店铺的版本，请对比后手动合并。</source>
        <translation>{n} conflicts: the new version also changed entries the shop had edited. The shop&apos;s versions were kept; compare and merge by hand.</translation>
    </message>
    <message>
        <source>升级到 {version}</source>
        <translation>Upgrade to {version}</translation>
    </message>
    <message>
        <source>变更报告</source>
        <translation>Change report</translation>
    </message>
    <message>
        <source>变更报告：{name} {old} → {new}</source>
        <translation>Change report: {name} {old} → {new}</translation>
    </message>
    <message>
        <source>变更报告：订阅 {name} {new}</source>
        <translation>Change report: subscribed to {name} {new}</translation>
    </message>
    <message>
        <source>变更报告：退订 {name} {old}</source>
        <translation>Change report: unsubscribed from {name} {old}</translation>
    </message>
    <message>
        <source>已是最新版本</source>
        <translation>Up to date</translation>
    </message>
    <message>
        <source>已订阅 {version}（{when} 订阅）· 知识库中有 {n} 条来自此包，其中 {edited} 条店铺修改过</source>
        <translation>Subscribed to {version} (since {when}) · {n} entries in the knowledge base come from this pack; the shop edited {edited} of them</translation>
    </message>
    <message>
        <source>按店铺主营类目订阅，一键获得该行业的高频问题、问法和参考答案。</source>
        <translation>Subscribe to the pack of your shop&apos;s trade to get its frequent questions, phrasings and sample answers in one go.</translation>
    </message>
    <message>
        <source>最新版本 {version} · {entries} 条知识 · {phrasings} 个问法
覆盖：{parts}</source>
        <translation>Latest version {version} · {entries} entries · {phrasings} phrasings
Covers: {parts}</translation>
    </message>
    <message>
        <source>未订阅。订阅后这些知识会加入店铺知识库，可以随时修改答案。</source>
        <translation>Not subscribed. Subscribing adds these entries to the shop&apos;s knowledge base; you can edit their answers at any time.</translation>
    </message>
    <message>
        <source>正在处理…</source>
        <translation>Working…</translation>
    </message>
    <message>
        <source>没有变化</source>
        <translation>No changes</translation>
    </message>
    <message>
        <source>版本</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>行业包</source>
        <translation>Industry packs</translation>
    </message>
    <message>
        <source>订阅</source>
        <translation>Subscribe</translation>
    </message>
    <message>
        <source>订阅、升级或退订后，这里列出新增、更新、保留和移除的知识。</source>
        <translation>After a subscribe, upgrade or unsubscribe, the entries added, updated, kept and removed are listed here.</translation>
    </message>
    <message>
        <source>退订</source>
        <translation>Unsubscribe</translation>
    </message>
    <message>
        <source>退订「{name}」？店铺没改过的 {plain} 条知识会从知识库删除；改过的 {edited} 条保留为自定义问题。</source>
        <translation>Unsubscribe from “{name}”? The {plain} entries the shop did not edit are removed; the {edited} it edited stay as custom questions.</translation>
    </message>
    <message>
        <source>退订行业包</source>
        <translation>Unsubscribe from the pack</translation>
    </message>
</context>
<context>
    <name>PhraseTableModel</name>
    <message>
        <source>个人</source>
        <translation>Personal</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>分组</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>店铺</source>
        <translation>Shop</translation>
    </message>
    <message>
        <source>快捷编码</source>
        <translation>Shortcode</translation>
    </message>
    <message>
        <source>范围</source>
        <translation>Scope</translation>
    </message>
</context>
<context>
    <name>PhrasesDialog</name>
    <message>
        <source>个人（仅自己可见）</source>
        <translation>Personal (only you)</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>分组</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>删除快捷短语</source>
        <translation>Delete quick phrase</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>可不填，如：欢迎、售后</source>
        <translation>Optional, e.g. Welcome, After-sales</translation>
    </message>
    <message>
        <source>可不填，英文字母或数字，如 hi</source>
        <translation>Optional, letters or digits, e.g. hi</translation>
    </message>
    <message>
        <source>店铺（全店客服可见）</source>
        <translation>Shop (all agents)</translation>
    </message>
    <message>
        <source>快捷编码</source>
        <translation>Shortcode</translation>
    </message>
    <message>
        <source>新建</source>
        <translation>New</translation>
    </message>
    <message>
        <source>新建短语</source>
        <translation>New phrase</translation>
    </message>
    <message>
        <source>短语内容，可用 {names}</source>
        <translation>Phrase text; you may use {names}</translation>
    </message>
    <message>
        <source>确定删除短语「{label}{text}」吗？</source>
        <translation>Delete the phrase “{label}{text}”?</translation>
    </message>
    <message>
        <source>管理快捷短语</source>
        <translation>Manage quick phrases</translation>
    </message>
    <message>
        <source>编辑</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>编辑短语</source>
        <translation>Edit phrase</translation>
    </message>
    <message>
        <source>范围</source>
        <translation>Scope</translation>
    </message>
</context>
<context>
    <name>PhrasingList</name>
    <message>
        <source>关键词</source>
        <translation>Keywords</translation>
    </message>
    <message>
        <source>反向</source>
        <translation>Negative</translation>
    </message>
    <message>
        <source>核心词：{words}</source>
        <translation>Core words: {words}</translation>
    </message>
    <message>
        <source>（新问法）</source>
        <translation>(new phrasing)</translation>
    </message>
</context>
<context>
    <name>Policy</name>
    <message>
        <source>「{categories}」类商品不支持七天无理由退换。</source>
        <translation>“{categories}” goods are excluded from 7-day no-reason returns.</translation>
    </message>
    <message>
        <source>买家未联系店铺就自行维修：维修费用由双方协商确定。</source>
        <translation>The buyer had it repaired without asking the shop: the repair cost is to be agreed.</translation>
    </message>
    <message>
        <source>人为损坏：无论是否在质保期内，维修费用由买家承担。</source>
        <translation>Damaged by the buyer: the buyer pays the repair, in or out of warranty.</translation>
    </message>
    <message>
        <source>包裹还没签收：签收后才能寄回（或让买家拒收）。</source>
        <translation>The parcel is not signed for yet: it can be sent back once received (or refused).</translation>
    </message>
    <message>
        <source>商品完好、吊牌在，不影响二次销售。</source>
        <translation>Goods intact with tags on; they can be sold again.</translation>
    </message>
    <message>
        <source>商品已洗涤、穿着或吊牌已拆：不符合七天无理由。</source>
        <translation>Washed, worn or tags removed: not eligible for the 7-day no-reason return.</translation>
    </message>
    <message>
        <source>寄回运费：{payer}（原因：{reason}）</source>
        <translation>Return shipping: {payer} (reason: {reason})</translation>
    </message>
    <message>
        <source>属于商品问题（{reason}），由店铺负责，不受七天限制。</source>
        <translation>A fault of the goods ({reason}): the shop is responsible, with no 7-day limit.</translation>
    </message>
    <message>
        <source>已签收的商品要先寄回：建议改为「退货退款」。</source>
        <translation>Received goods must come back first: use “Return and refund” instead.</translation>
    </message>
    <message>
        <source>未发货的订单可以直接退款。</source>
        <translation>An order not shipped yet can be refunded directly.</translation>
    </message>
    <message>
        <source>物流显示 {signed} 已签收，请先和买家核实签收情况。</source>
        <translation>Logistics show it signed for at {signed}; check with the buyer first.</translation>
    </message>
    <message>
        <source>签收第 {days} 天，在 {limit} 天质保期内：维修和运费由店铺承担。</source>
        <translation>Day {days} after delivery, within the {limit}-day warranty: the shop pays repair and shipping.</translation>
    </message>
    <message>
        <source>签收第 {days} 天，在七天无理由期限（{limit} 天）内。</source>
        <translation>Day {days} after delivery, within the no-reason period ({limit} days).</translation>
    </message>
    <message>
        <source>签收第 {days} 天，在换货期（{limit} 天）内。</source>
        <translation>Day {days} after delivery, within the exchange period ({limit} days).</translation>
    </message>
    <message>
        <source>签收第 {days} 天，在质量问题期（{limit} 天）内。</source>
        <translation>Day {days} after delivery, within the quality-problem period ({limit} days).</translation>
    </message>
    <message>
        <source>签收第 {days} 天，已超过七天无理由期限（{limit} 天）。</source>
        <translation>Day {days} after delivery, past the no-reason period ({limit} days).</translation>
    </message>
    <message>
        <source>签收第 {days} 天，已超过换货期（{limit} 天）。</source>
        <translation>Day {days} after delivery, past the exchange period ({limit} days).</translation>
    </message>
    <message>
        <source>签收第 {days} 天，已超过质量问题期（{limit} 天）。</source>
        <translation>Day {days} after delivery, past the quality-problem period ({limit} days).</translation>
    </message>
    <message>
        <source>签收第 {days} 天，已过 {limit} 天质保期：维修费用由买家承担。</source>
        <translation>Day {days} after delivery, past the {limit}-day warranty: the buyer pays the repair.</translation>
    </message>
    <message>
        <source>订单已发货：可拦截快递或请买家拒收。</source>
        <translation>The order has shipped: intercept the parcel or ask the buyer to refuse it.</translation>
    </message>
    <message>
        <source>订单有运费险：买家寄出后可申请理赔。</source>
        <translation>The order has return-shipping insurance: the buyer can claim after sending it.</translation>
    </message>
    <message>
        <source>订单状态：{state}</source>
        <translation>Order state: {state}</translation>
    </message>
    <message>
        <source>订单还没发货，不用寄回：建议改为「仅退款」。</source>
        <translation>The order has not shipped, nothing to send back: use “Refund only” instead.</translation>
    </message>
    <message>
        <source>这笔订单已有 {count} 个未完结的售后单，注意不要重复处理。</source>
        <translation>This order already has {count} open after-sales cases; don&apos;t handle it twice.</translation>
    </message>
    <message>
        <source>退款金额不超过实付款 {limit}。</source>
        <translation>The refund does not exceed the amount paid, {limit}.</translation>
    </message>
    <message>
        <source>退款金额超过实付款 {limit}。</source>
        <translation>The refund exceeds the amount paid, {limit}.</translation>
    </message>
</context>
<context>
    <name>PolicyPanel</name>
    <message>
        <source>✓ 符合店铺售后政策</source>
        <translation>✓ Within the shop&apos;s after-sales policy</translation>
    </message>
    <message>
        <source>✗ 不符合店铺售后政策（可写明理由后仍受理，或拒绝并说明原因）</source>
        <translation>✗ Outside the shop&apos;s policy (accept it anyway with your reason, or reject it and say why)</translation>
    </message>
    <message>
        <source>填写订单号和原因后，这里显示七天无理由、质保期和运费规则的检查结果。</source>
        <translation>Once the order number and reason are in, the 7-day, warranty and shipping rules are checked here.</translation>
    </message>
    <message>
        <source>政策检查</source>
        <translation>Policy check</translation>
    </message>
    <message>
        <source>正在检查…</source>
        <translation>Checking…</translation>
    </message>
    <message>
        <source>维修费用：{payer}</source>
        <translation>Repair cost: {payer}</translation>
    </message>
</context>
<context>
    <name>ProfileEditDialog</name>
    <message>
        <source>11 位手机号</source>
        <translation>11-digit mobile number</translation>
    </message>
    <message>
        <source>会员等级</source>
        <translation>Member level</translation>
    </message>
    <message>
        <source>例如：上衣M、裤子27</source>
        <translation>e.g. tops M, trousers 27</translation>
    </message>
    <message>
        <source>例如：通勤、宽松、法式</source>
        <translation>e.g. office, loose, French</translation>
    </message>
    <message>
        <source>偏好备注</source>
        <translation>Preference notes</translation>
    </message>
    <message>
        <source>城市</source>
        <translation>City</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>常穿尺码</source>
        <translation>Usual size</translation>
    </message>
    <message>
        <source>性别</source>
        <translation>Gender</translation>
    </message>
    <message>
        <source>手机</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>未知</source>
        <translation>Unknown</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>积分</source>
        <translation>Points</translation>
    </message>
    <message>
        <source>编辑客户资料</source>
        <translation>Edit customer details</translation>
    </message>
    <message>
        <source>风格偏好</source>
        <translation>Style</translation>
    </message>
</context>
<context>
    <name>QaTab</name>
    <message>
        <source>txt 每行一个问题；csv / xlsx 有“问题”列，可加“期望知识”列（标准问题或编号）</source>
        <translation>txt: one question per line; csv / xlsx: a “question” column and, optionally, an “expected” column with the standard question or id</translation>
    </message>
    <message>
        <source>{n} 个期望知识在知识库里找不到（按标准问题或编号查找）</source>
        <translation>{n} expected entries are not in the knowledge base (looked up by standard question or id)</translation>
    </message>
    <message>
        <source>{question}（{category}）</source>
        <translation>{question} ({category})</translation>
    </message>
    <message>
        <source>{score}（直接回答需 ≥ {direct}，反问需 ≥ {clarify}）</source>
        <translation>{score} (answers directly at ≥ {direct}, asks back at ≥ {clarify})</translation>
    </message>
    <message>
        <source>「{question}」</source>
        <translation>“{question}”</translation>
    </message>
    <message>
        <source>不在候选里。</source>
        <translation>Not among the candidates.</translation>
    </message>
    <message>
        <source>为什么不是它？</source>
        <translation>Why not this one?</translation>
    </message>
    <message>
        <source>亲，您是不是想问：</source>
        <translation>Did you mean:</translation>
    </message>
    <message>
        <source>保存并重新测试</source>
        <translation>Save and test again</translation>
    </message>
    <message>
        <source>修改「{question}」的答案：</source>
        <translation>Edit the answer of “{question}”:</translation>
    </message>
    <message>
        <source>修改答案内容</source>
        <translation>Edit answer</translation>
    </message>
    <message>
        <source>候选知识（你可能想问）</source>
        <translation>Candidates (did you mean)</translation>
    </message>
    <message>
        <source>先测试一个问题，再输入知识编号或标准问题。</source>
        <translation>Test a question first, then enter an entry number or standard question.</translation>
    </message>
    <message>
        <source>共 {total} 个问题：命中 {hits} 个，命中率 {rate}。直接回答 {direct} · 反问 {clarify} · 未回答 {fallback}</source>
        <translation>{total} questions: {hits} hits, hit rate {rate}. Answered {direct} · asked back {clarify} · not answered {fallback}</translation>
    </message>
    <message>
        <source>匹配详情</source>
        <translation>Match details</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Why</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>命中知识</source>
        <translation>Entry</translation>
    </message>
    <message>
        <source>命中词</source>
        <translation>Matched words</translation>
    </message>
    <message>
        <source>命中问法</source>
        <translation>Matched phrasing</translation>
    </message>
    <message>
        <source>在上方输入问题，点“测试”看看机器人的回答。</source>
        <translation>Type a question above and press Test to see the bot&apos;s answer.</translation>
    </message>
    <message>
        <source>它就是排第一的知识（{score}）。</source>
        <translation>It is the top entry ({score}).</translation>
    </message>
    <message>
        <source>批量测试</source>
        <translation>Batch test</translation>
    </message>
    <message>
        <source>排在第 {rank} 位（{score}）。</source>
        <translation>Ranked no. {rank} ({score}).</translation>
    </message>
    <message>
        <source>新对话</source>
        <translation>New chat</translation>
    </message>
    <message>
        <source>新的测试对话</source>
        <translation>New test chat</translation>
    </message>
    <message>
        <source>最接近的问法：{phrasing}（{score}）</source>
        <translation>Closest phrasing: {phrasing} ({score})</translation>
    </message>
    <message>
        <source>机器人不回答这条消息，转给人工客服。{why}</source>
        <translation>The bot does not answer this message and transfers it to a human agent. {why}</translation>
    </message>
    <message>
        <source>机器人回复</source>
        <translation>Bot reply</translation>
    </message>
    <message>
        <source>正在测试 {name}…</source>
        <translation>Testing {name}…</translation>
    </message>
    <message>
        <source>没命中的问题（双击可单独测试）：</source>
        <translation>Misses (double-click to test one):</translation>
    </message>
    <message>
        <source>测试</source>
        <translation>Test</translation>
    </message>
    <message>
        <source>测试对话第 {n} 条消息：按店铺的转人工规则计算重复提问和连续未识别，点“新对话”重新开始。</source>
        <translation>Message {n} of the test chat: repeated questions and misses count by the shop&apos;s transfer rules; click “New chat” to start again.</translation>
    </message>
    <message>
        <source>相似度</source>
        <translation>Score</translation>
    </message>
    <message>
        <source>知识库里没有这条知识（按编号或完整的标准问题查找）。</source>
        <translation>No such entry in the knowledge base (looked up by number or full standard question).</translation>
    </message>
    <message>
        <source>知识编号或标准问题（可单击上方候选）</source>
        <translation>Entry number or standard question (or click a candidate above)</translation>
    </message>
    <message>
        <source>缺少核心词：{words}（问法的划词必须都出现才会匹配）</source>
        <translation>Missing core words: {words} (a phrasing matches only when all its core words appear)</translation>
    </message>
    <message>
        <source>胜出的知识：{question}（{score}）</source>
        <translation>Entry that won: {question} ({score})</translation>
    </message>
    <message>
        <source>被反向问法排除：{phrasing}</source>
        <translation>Excluded by the negative phrasing: {phrasing}</translation>
    </message>
    <message>
        <source>转人工</source>
        <translation>Transfer to human</translation>
    </message>
    <message>
        <source>输入任意问题或关键词，看看机器人怎么回答，例如：今天下单能发吗</source>
        <translation>Ask anything and see how the bot answers, e.g. Will it ship today if I order now?</translation>
    </message>
    <message>
        <source>这条知识没有启用，机器人不会用它回答。</source>
        <translation>This entry is disabled; the bot does not answer with it.</translation>
    </message>
    <message>
        <source>选择问题文件</source>
        <translation>Choose a question file</translation>
    </message>
    <message>
        <source>选择问题文件…</source>
        <translation>Choose question file…</translation>
    </message>
    <message>
        <source>重新开始测试对话：重复提问和连续未识别从头计算</source>
        <translation>Start the test chat again: repeated questions and misses count from zero</translation>
    </message>
    <message>
        <source>问题文件 (*.txt *.csv *.xlsx)</source>
        <translation>Question files (*.txt *.csv *.xlsx)</translation>
    </message>
    <message>
        <source>（没有找到合适的知识：机器人会发送兜底回复，或按转人工规则转给人工客服）</source>
        <translation>(No suitable entry: the bot sends its fallback reply or hands off by the transfer rules)</translation>
    </message>
</context>
<context>
    <name>ReceptionShortcuts</name>
    <message>
        <source>切换工作区：左侧导航栏从上到下第 1 … 9 项</source>
        <translation>Switch workspace: items 1 … 9 of the navigation rail, top to bottom</translation>
    </message>
    <message>
        <source>发送输入框的内容（设置中可改为 Ctrl+Enter）</source>
        <translation>Send what is in the input box (Ctrl+Enter instead, in Settings)</translation>
    </message>
    <message>
        <source>在输入框中输入 / 加短语编码，选用快捷短语</source>
        <translation>Type / and a shortcode in the input box to pick a quick phrase</translation>
    </message>
    <message>
        <source>接入下一位待接待的买家（等得最久的）</source>
        <translation>Accept the next waiting buyer (the one waiting longest)</translation>
    </message>
    <message>
        <source>搜索客户（打开客户运营并定位到搜索框）</source>
        <translation>Search customers (opens Customers with the search box focused)</translation>
    </message>
    <message>
        <source>显示本快捷键列表</source>
        <translation>Show this list of shortcuts</translation>
    </message>
    <message>
        <source>没有待接待的买家</source>
        <translation>No buyer is waiting</translation>
    </message>
    <message>
        <source>直接发送第 1 / 2 / 3 条智能辅助建议</source>
        <translation>Send suggestion 1 / 2 / 3 of Smart assist as is</translation>
    </message>
    <message>
        <source>结束当前会话</source>
        <translation>End the current chat</translation>
    </message>
</context>
<context>
    <name>ReceptionTab</name>
    <message>
        <source>「你可能想问」</source>
        <translation>Did you mean</translation>
    </message>
    <message>
        <source>保存接待模式</source>
        <translation>Save reception mode</translation>
    </message>
    <message>
        <source>全自动接待方式</source>
        <translation>Full-auto strategy</translation>
    </message>
    <message>
        <source>全自动：开启中 · {strategy}</source>
        <translation>Full-auto: on · {strategy}</translation>
    </message>
    <message>
        <source>全自动：未开启 · 当前模式：{mode}</source>
        <translation>Full-auto: off · mode: {mode}</translation>
    </message>
    <message>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>客服在线时由客服接待；所有客服挂起或离线时，机器人自动接待（适合只在夜间使用）。</source>
        <translation>Agents serve customers while online; the bot takes over when every agent is away or offline (good for nights only).</translation>
    </message>
    <message>
        <source>客服接待买家，机器人在右侧「智能辅助」里推荐答案，客服一键发送。</source>
        <translation>Agents serve customers; the bot suggests answers in the Smart Assist sidebar, sent with one click.</translation>
    </message>
    <message>
        <source>已保存，对新进店的买家生效。</source>
        <translation>Saved; applies to new customers.</translation>
    </message>
    <message>
        <source>已转人工</source>
        <translation>Handed off</translation>
    </message>
    <message>
        <source>当前状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>按比例把一部分新进店的买家分给机器人，其余由客服接待。</source>
        <translation>A share of new customers goes to the bot; agents serve the rest.</translation>
    </message>
    <message>
        <source>接待模式</source>
        <translation>Reception mode</translation>
    </message>
    <message>
        <source>机器人不参与接待，也不给客服推荐答案。</source>
        <translation>The bot neither serves customers nor suggests answers.</translation>
    </message>
    <message>
        <source>机器人先接待每位买家，按转人工规则转给客服（适合咨询量大的店铺）。</source>
        <translation>The bot serves every customer first and hands off by the transfer rules (good for busy shops).</translation>
    </message>
    <message>
        <source>机器人接待</source>
        <translation>Served by the bot</translation>
    </message>
    <message>
        <source>机器人接待比例</source>
        <translation>Bot&apos;s share</translation>
    </message>
    <message>
        <source>机器人的回复</source>
        <translation>The bot&apos;s replies</translation>
    </message>
    <message>
        <source>机器人直接回复买家，答不了或买家要求时转人工。</source>
        <translation>The bot answers customers itself and hands off when it can&apos;t answer or the customer asks.</translation>
    </message>
    <message>
        <source>正在接待</source>
        <translation>Serving now</translation>
    </message>
    <message>
        <source>答不上来时</source>
        <translation>When it can&apos;t answer</translation>
    </message>
    <message>
        <source>请先改正标红的内容。</source>
        <translation>Please correct the fields marked in red.</translation>
    </message>
    <message>
        <source>问题不够明确时，机器人列出几个相近的问题，买家回复序号即可得到答案。</source>
        <translation>When a question is unclear, the bot lists similar questions and the customer replies with a number.</translation>
    </message>
    <message>
        <source>（机器人 {share}%）</source>
        <translation> (bot {share}%)</translation>
    </message>
</context>
<context>
    <name>RemoveTagDialog</name>
    <message>
        <source>从选中的 {n} 位客户身上移除标签。</source>
        <translation>Remove a tag from the {n} selected customers.</translation>
    </message>
    <message>
        <source>批量移除标签</source>
        <translation>Remove tag</translation>
    </message>
    <message>
        <source>标签</source>
        <translation>Tags</translation>
    </message>
</context>
<context>
    <name>ReportTexts</name>
    <message>
        <source>3 分钟未回复：买家一轮消息 3 分钟内没有得到人工回复的次数，及其占全部待回复轮次的比例</source>
        <translation>No reply in 3 min: buyer message runs without an agent&apos;s reply within 3 minutes, and their share of all runs waiting for a reply</translation>
    </message>
    <message>
        <source>全自动接待占比：机器人从头到尾独自接待、没有转人工的对话占全部对话的比例</source>
        <translation>Full-auto share: chats the bot served alone from start to end, without a hand-off, as a share of all chats</translation>
    </message>
    <message>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>咨询人数：在所选时段内向人工客服发过消息的买家数（机器人接待、未转人工的不算）</source>
        <translation>Buyers asking: buyers who wrote to an agent in the period (chats only the bot served do not count)</translation>
    </message>
    <message>
        <source>售后工单：该客服在时段内新建的售后工单数、结案数，以及建单后 48 小时内结案的数量</source>
        <translation>After-sales cases: cases the agent opened in the period, cases closed, and those closed within 48 hours of opening</translation>
    </message>
    <message>
        <source>回复率：该客服对话中咨询过的买家里，得到人工回复的比例</source>
        <translation>Reply rate: of the buyers asking in the agent&apos;s chats, the share who got a reply from an agent</translation>
    </message>
    <message>
        <source>平均响应时间：买家每一轮连续消息的第一条到客服回复的秒数，取平均值与中位数</source>
        <translation>Response time: seconds from the first message of each run of buyer messages to the agent&apos;s reply, mean and median</translation>
    </message>
    <message>
        <source>建议采用：人工回复中直接采用、修改后采用智能辅助建议的条数，及未使用建议的回复条数</source>
        <translation>Suggestions used: agent replies that sent a Smart Assist suggestion as is or edited, and replies that used none</translation>
    </message>
    <message>
        <source>接待人数：在所选时段内该客服回复过的买家数</source>
        <translation>Buyers served: buyers the agent replied to in the period</translation>
    </message>
    <message>
        <source>接待方式：时段内开始的对话：机器人接待（含后来转人工的）与仅人工接待</source>
        <translation>Served by: chats started in the period, by the bot (including those later handed off) or by agents only</translation>
    </message>
    <message>
        <source>无法回答</source>
        <translation>Could not answer</translation>
    </message>
    <message>
        <source>未解决问题：机器人无法回答、只给出“你可能想问”而买家没有选择、或因无法回答/重复提问转人工的买家消息</source>
        <translation>Unresolved: buyer messages the bot could not answer, answered only with “did you mean” that the buyer ignored, or handed off for misses or a repeated question</translation>
    </message>
    <message>
        <source>满意度：买家回答了的邀请评价中“非常满意”和“满意”所占的比例（没有回答时显示为空）</source>
        <translation>Satisfaction: share of answered rating invitations rated “very satisfied” or “satisfied” (empty while none is answered)</translation>
    </message>
    <message>
        <source>热门问题：机器人直接回答次数最多的知识条目，附一条买家原话</source>
        <translation>Top questions: the entries the bot answered with most often, with one buyer&apos;s words</translation>
    </message>
    <message>
        <source>解决率：机器人接待的对话中，没有转人工且 10 分钟内没有重复提问的比例</source>
        <translation>Resolution rate: of the chats the bot served, the share with no hand-off and no question repeated within 10 minutes</translation>
    </message>
    <message>
        <source>询单转化率：咨询过的买家中，在首次咨询后 24 小时内下单（订单表中的真实订单）的比例</source>
        <translation>Inquiry conversion: of the buyers asking, the share who placed a real order within 24 hours of their first question</translation>
    </message>
    <message>
        <source>负面情绪</source>
        <translation>Negative emotion</translation>
    </message>
    <message>
        <source>转人工关键词</source>
        <translation>Hand-off keyword</translation>
    </message>
    <message>
        <source>转人工率：机器人接待的对话中转给人工的比例，按原因：关键词、负面情绪、重复提问、无法回答、需人工</source>
        <translation>Hand-off rate: of the chats the bot served, the share handed to an agent, by reason: keyword, emotion, repeated question, no answer, needs a human</translation>
    </message>
    <message>
        <source>重复提问</source>
        <translation>Repeated question</translation>
    </message>
    <message>
        <source>需人工处理</source>
        <translation>Needs a human</translation>
    </message>
    <message>
        <source>首次响应时间：每个对话中买家（转人工的对话自转人工起）首条待回复消息到客服首次回复的秒数</source>
        <translation>First response time: seconds from the buyer&apos;s first message waiting for an agent (in handed-off chats, from the hand-off) to the agent&apos;s first reply</translation>
    </message>
</context>
<context>
    <name>ReportsPage</name>
    <message>
        <source>3 分钟未回复</source>
        <translation>No reply in 3 min</translation>
    </message>
    <message>
        <source>48 小时内结案</source>
        <translation>Closed within 48 h</translation>
    </message>
    <message>
        <source>Excel 工作簿 (*.xlsx)</source>
        <translation>Excel workbook (*.xlsx)</translation>
    </message>
    <message>
        <source>{first} 至 {last}</source>
        <translation>{first} to {last}</translation>
    </message>
    <message>
        <source>买家原话</source>
        <translation>Buyers&apos; words</translation>
    </message>
    <message>
        <source>买家原话示例</source>
        <translation>Example</translation>
    </message>
    <message>
        <source>今天</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>修改后采用</source>
        <translation>Edited</translation>
    </message>
    <message>
        <source>全店</source>
        <translation>Whole shop</translation>
    </message>
    <message>
        <source>全自动</source>
        <translation>Full-auto</translation>
    </message>
    <message>
        <source>全自动接待占比</source>
        <translation>Full-auto share</translation>
    </message>
    <message>
        <source>共 {count} 条：{examples}</source>
        <translation>{count} messages: {examples}</translation>
    </message>
    <message>
        <source>分析近 7 天未解决问题</source>
        <translation>Analyse the last 7 days&apos; misses</translation>
    </message>
    <message>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>加为「{question}」的问法（{score:.2f}）</source>
        <translation>Add as phrasing of “{question}” ({score:.2f})</translation>
    </message>
    <message>
        <source>加到</source>
        <translation>Add to</translation>
    </message>
    <message>
        <source>占转人工</source>
        <translation>Share</translation>
    </message>
    <message>
        <source>咨询人数</source>
        <translation>Buyers asking</translation>
    </message>
    <message>
        <source>响应 中位</source>
        <translation>Response median</translation>
    </message>
    <message>
        <source>售后新建</source>
        <translation>Cases opened</translation>
    </message>
    <message>
        <source>售后结案</source>
        <translation>Cases closed</translation>
    </message>
    <message>
        <source>回复率</source>
        <translation>Reply rate</translation>
    </message>
    <message>
        <source>回答</source>
        <translation>Answer</translation>
    </message>
    <message>
        <source>客服</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>客服绩效</source>
        <translation>Agent performance</translation>
    </message>
    <message>
        <source>对话数</source>
        <translation>Chats</translation>
    </message>
    <message>
        <source>导出 XLSX</source>
        <translation>Export XLSX</translation>
    </message>
    <message>
        <source>已导出到 {path}</source>
        <translation>Exported to {path}</translation>
    </message>
    <message>
        <source>平均响应(秒)</source>
        <translation>Response (s) mean</translation>
    </message>
    <message>
        <source>店小蜜数据</source>
        <translation>Bot figures</translation>
    </message>
    <message>
        <source>建议</source>
        <translation>Proposal</translation>
    </message>
    <message>
        <source>忽略</source>
        <translation>Dismiss</translation>
    </message>
    <message>
        <source>指标说明</source>
        <translation>Definitions</translation>
    </message>
    <message>
        <source>接待人数</source>
        <translation>Buyers served</translation>
    </message>
    <message>
        <source>新建条目</source>
        <translation>New entry</translation>
    </message>
    <message>
        <source>新建条目时必填：机器人的回答</source>
        <translation>Required for a new entry: the bot&apos;s answer</translation>
    </message>
    <message>
        <source>新建条目（{category}）</source>
        <translation>New entry ({category})</translation>
    </message>
    <message>
        <source>新条目分类</source>
        <translation>New entry&apos;s category</translation>
    </message>
    <message>
        <source>日期</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>时段</source>
        <translation>Period</translation>
    </message>
    <message>
        <source>昨天</source>
        <translation>Yesterday</translation>
    </message>
    <message>
        <source>未回复率</source>
        <translation>No-reply rate</translation>
    </message>
    <message>
        <source>未用建议</source>
        <translation>No suggestion</translation>
    </message>
    <message>
        <source>未解决问题</source>
        <translation>Unresolved</translation>
    </message>
    <message>
        <source>机器人回答次数</source>
        <translation>Bot answers</translation>
    </message>
    <message>
        <source>机器人接待</source>
        <translation>Bot served</translation>
    </message>
    <message>
        <source>机器人接待 / 仅人工</source>
        <translation>Bot / agents only</translation>
    </message>
    <message>
        <source>条数</source>
        <translation>Messages</translation>
    </message>
    <message>
        <source>次数</source>
        <translation>Count</translation>
    </message>
    <message>
        <source>正在分析…</source>
        <translation>Analysing…</translation>
    </message>
    <message>
        <source>正在导出…</source>
        <translation>Exporting…</translation>
    </message>
    <message>
        <source>正在统计…</source>
        <translation>Counting…</translation>
    </message>
    <message>
        <source>每日</source>
        <translation>Daily</translation>
    </message>
    <message>
        <source>每日咨询与接待人数</source>
        <translation>Buyers asking and served per day</translation>
    </message>
    <message>
        <source>每日机器人接待、解决与转人工</source>
        <translation>Bot chats, resolved and handed off per day</translation>
    </message>
    <message>
        <source>每行一个问法</source>
        <translation>One phrasing per line</translation>
    </message>
    <message>
        <source>满意度</source>
        <translation>Satisfaction</translation>
    </message>
    <message>
        <source>点击分析，把机器人没答上的问题归类成建议</source>
        <translation>Press Analyse to group the bot&apos;s misses into proposals</translation>
    </message>
    <message>
        <source>热门问题</source>
        <translation>Top questions</translation>
    </message>
    <message>
        <source>热门问题（知识条目）</source>
        <translation>Top questions (entries)</translation>
    </message>
    <message>
        <source>自选时段</source>
        <translation>Custom</translation>
    </message>
    <message>
        <source>解决</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>解决率</source>
        <translation>Resolution rate</translation>
    </message>
    <message>
        <source>训练（未解决问题）</source>
        <translation>Training (misses)</translation>
    </message>
    <message>
        <source>询单转化率</source>
        <translation>Conversion</translation>
    </message>
    <message>
        <source>该时段机器人没有接待</source>
        <translation>The bot served nobody in this period</translation>
    </message>
    <message>
        <source>该时段没有人工接待</source>
        <translation>No agent chats in this period</translation>
    </message>
    <message>
        <source>转人工</source>
        <translation>Handed off</translation>
    </message>
    <message>
        <source>转人工原因</source>
        <translation>Hand-off reasons</translation>
    </message>
    <message>
        <source>转人工率</source>
        <translation>Hand-off rate</translation>
    </message>
    <message>
        <source>近 30 天</source>
        <translation>Last 30 days</translation>
    </message>
    <message>
        <source>近 7 天</source>
        <translation>Last 7 days</translation>
    </message>
    <message>
        <source>近 7 天未解决 {total} 条，已采纳的修改让机器人现在能直接回答其中 {answered} 条；待处理 {n} 类</source>
        <translation>{total} unresolved in the last 7 days; with the approved changes the bot now answers {answered} of them; {n} groups to review</translation>
    </message>
    <message>
        <source>选择左侧的一类问题</source>
        <translation>Choose a group on the left</translation>
    </message>
    <message>
        <source>邀请评价</source>
        <translation>Rating invitations</translation>
    </message>
    <message>
        <source>采用建议</source>
        <translation>Used as is</translation>
    </message>
    <message>
        <source>采纳</source>
        <translation>Approve</translation>
    </message>
    <message>
        <source>问法</source>
        <translation>Phrasings</translation>
    </message>
    <message>
        <source>首次响应 中位</source>
        <translation>First response median</translation>
    </message>
    <message>
        <source>首次响应(秒) 平均</source>
        <translation>First response (s) mean</translation>
    </message>
</context>
<context>
    <name>RestoreDialog</name>
    <message>
        <source>从备份恢复</source>
        <translation>Restore from backup</translation>
    </message>
</context>
<context>
    <name>ResultsView</name>
    <message>
        <source>尚未检查：完成步骤后点「检查」，程序按评分表逐项打分</source>
        <translation>Not checked yet: do the steps, then press Check; the program scores each rubric item</translation>
    </message>
    <message>
        <source>得分</source>
        <translation>Score</translation>
    </message>
    <message>
        <source>得分 {total} / {max}</source>
        <translation>Score {total} / {max}</translation>
    </message>
    <message>
        <source>评分项</source>
        <translation>Rubric item</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Why</translation>
    </message>
</context>
<context>
    <name>ReviewCard</name>
    <message>
        <source>修改回复</source>
        <translation>Update reply</translation>
    </message>
    <message>
        <source>写一条针对这条评价的回复，或点下面的建议再修改</source>
        <translation>Write a reply to this review, or pick a suggestion below and edit it</translation>
    </message>
    <message>
        <source>发布回复</source>
        <translation>Post reply</translation>
    </message>
    <message>
        <source>回复</source>
        <translation>Reply</translation>
    </message>
    <message>
        <source>图 {n}</source>
        <translation>Photo {n}</translation>
    </message>
    <message>
        <source>店铺回复</source>
        <translation>Shop&apos;s reply</translation>
    </message>
    <message>
        <source>根据评价内容生成的回复建议（点一下放进输入框）</source>
        <translation>Replies drawn from this review (click one to put it in the box)</translation>
    </message>
    <message>
        <source>评价内容</source>
        <translation>Review</translation>
    </message>
    <message>
        <source>还没有回复</source>
        <translation>No reply yet</translation>
    </message>
</context>
<context>
    <name>Reviews</name>
    <message>
        <source>⚑ 客服已标记</source>
        <translation>⚑ marked by agent</translation>
    </message>
    <message>
        <source>晒图 {n}</source>
        <translation>{n} photo(s)</translation>
    </message>
    <message>
        <source>风险 {score}</source>
        <translation>risk {score}</translation>
    </message>
</context>
<context>
    <name>ReviewsView</name>
    <message>
        <source>全部状态</source>
        <translation>All states</translation>
    </message>
    <message>
        <source>全部评价</source>
        <translation>All reviews</translation>
    </message>
    <message>
        <source>好评率 {rate:.1f}% · 好评 {good} · 中评 {neutral} · 差评 {bad} · 待处理 {pending}</source>
        <translation>Positive rate {rate:.1f}% · positive {good} · neutral {neutral} · negative {bad} · pending {pending}</translation>
    </message>
    <message>
        <source>搜索买家、评价内容、订单号</source>
        <translation>Search buyer, review text, order no.</translation>
    </message>
    <message>
        <source>没有符合条件的评价</source>
        <translation>No reviews match</translation>
    </message>
    <message>
        <source>评价列表</source>
        <translation>Review list</translation>
    </message>
    <message>
        <source>选择一条评价查看详情、回复和处理</source>
        <translation>Pick a review to see it, reply and handle it</translation>
    </message>
</context>
<context>
    <name>RfmSettingsDialog</name>
    <message>
        <source> 元</source>
        <translation> yuan</translation>
    </message>
    <message>
        <source> 天</source>
        <translation> days</translation>
    </message>
    <message>
        <source> 次</source>
        <translation> times</translation>
    </message>
    <message>
        <source>F 得 2/3/4/5 分（次起）</source>
        <translation>F scores 2/3/4/5 from (purchases)</translation>
    </message>
    <message>
        <source>M 得 2/3/4/5 分（元起）</source>
        <translation>M scores 2/3/4/5 from (yuan)</translation>
    </message>
    <message>
        <source>R 得 5/4/3/2 分（天内）</source>
        <translation>R scores 5/4/3/2 within (days)</translation>
    </message>
    <message>
        <source>R：最近一次购买距今；F：购买次数；M：累计消费。分数 5 分最好。</source>
        <translation>R: days since the last purchase; F: number of purchases; M: total spent. 5 is the best score.</translation>
    </message>
    <message>
        <source>且累计</source>
        <translation>and total spent</translation>
    </message>
    <message>
        <source>内</source>
        <translation>within</translation>
    </message>
    <message>
        <source>分层规则</source>
        <translation>Segment rules</translation>
    </message>
    <message>
        <source>已流失：超过</source>
        <translation>Churned: more than</translation>
    </message>
    <message>
        <source>新客：首购在</source>
        <translation>New: first purchase within</translation>
    </message>
    <message>
        <source>未购买</source>
        <translation>No purchase</translation>
    </message>
    <message>
        <source>流失预警：超过</source>
        <translation>At risk: more than</translation>
    </message>
    <message>
        <source>银卡 / 金卡 / 钻石 门槛</source>
        <translation>Silver / gold / diamond from</translation>
    </message>
    <message>
        <source>高价值：至少</source>
        <translation>High value: at least</translation>
    </message>
</context>
<context>
    <name>RiskPanel</name>
    <message>
        <source>{score} 分 · 风险{level}</source>
        <translation>{score} points · {level} risk</translation>
    </message>
    <message>
        <source>评分由程序根据下列信号估算，仅供参考，不是结论；是否按恶意处理由客服判断。</source>
        <translation>The program estimates the score from the signals below. It is only a hint, not a conclusion; the agent decides whether to treat it as malicious.</translation>
    </message>
    <message>
        <source>还没有检查。</source>
        <translation>Not checked yet.</translation>
    </message>
</context>
<context>
    <name>SaveGroupDialog</name>
    <message>
        <source>例如：双11老客户</source>
        <translation>e.g. Double-11 regulars</translation>
    </message>
    <message>
        <source>保存为动态分组</source>
        <translation>Save as dynamic group</translation>
    </message>
    <message>
        <source>分组保存当前的筛选条件：{summary}。以后符合条件的客户会自动进入分组。</source>
        <translation>The group keeps the current conditions: {summary}. Customers who match them later join automatically.</translation>
    </message>
    <message>
        <source>分组名</source>
        <translation>Group name</translation>
    </message>
    <message>
        <source>可选</source>
        <translation>optional</translation>
    </message>
    <message>
        <source>新建静态分组</source>
        <translation>New static group</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>静态分组里的客户由你手动加入，可在客户列表中选中客户后“加入分组”。</source>
        <translation>You add the customers of a static group yourself: select them in the list, then Add to group.</translation>
    </message>
</context>
<context>
    <name>SegmentDashboardPage</name>
    <message>
        <source>RFM 客户分层（点击查看客户）</source>
        <translation>RFM segments (click to list the customers)</translation>
    </message>
    <message>
        <source>{b} 位购买客户中 {r} 位复购</source>
        <translation>{r} of {b} buyers bought again</translation>
    </message>
    <message>
        <source>{n} 位买过两次及以上</source>
        <translation>{n} bought twice or more</translation>
    </message>
    <message>
        <source>{n} 笔订单</source>
        <translation>{n} orders</translation>
    </message>
    <message>
        <source>会员分层与复购</source>
        <translation>Segments and repurchase</translation>
    </message>
    <message>
        <source>会员等级</source>
        <translation>Member level</translation>
    </message>
    <message>
        <source>位客户</source>
        <translation>customers</translation>
    </message>
    <message>
        <source>分层规则…</source>
        <translation>Segment rules…</translation>
    </message>
    <message>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>占 {p}</source>
        <translation>{p} of all</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>各来源复购率</source>
        <translation>Repurchase rate by source</translation>
    </message>
    <message>
        <source>复购率</source>
        <translation>Repurchase rate</translation>
    </message>
    <message>
        <source>客单价</source>
        <translation>Per order</translation>
    </message>
    <message>
        <source>客户总数</source>
        <translation>Customers</translation>
    </message>
    <message>
        <source>客户来源</source>
        <translation>Traffic sources</translation>
    </message>
    <message>
        <source>投影模式</source>
        <translation>Projector</translation>
    </message>
    <message>
        <source>按消费更新会员等级</source>
        <translation>Set levels by spend</translation>
    </message>
    <message>
        <source>按累计消费重新评定所有客户的会员等级？</source>
        <translation>Set every customer&apos;s member level from total spend?</translation>
    </message>
    <message>
        <source>数据更新于 {at}</source>
        <translation>Updated {at}</translation>
    </message>
    <message>
        <source>暂无数据</source>
        <translation>No data yet</translation>
    </message>
    <message>
        <source>更新</source>
        <translation>Update</translation>
    </message>
    <message>
        <source>更新会员等级</source>
        <translation>Update member levels</translation>
    </message>
    <message>
        <source>累计销售额</source>
        <translation>Total sales</translation>
    </message>
    <message>
        <source>规则：超过 {risk} 天未购买为流失预警，超过 {churn} 天为已流失；购买 ≥{orders} 次且累计 ≥{money} 为高价值；{new} 天内首次购买为新客；其余活跃客户为潜力客户。</source>
        <translation>Rules: no purchase for over {risk} days is at risk, over {churn} days churned; ≥{orders} purchases and ≥{money} spent is high value; a first purchase within {new} days is new; other active buyers are potential.</translation>
    </message>
    <message>
        <source>购买过的客户</source>
        <translation>Buyers</translation>
    </message>
    <message>
        <source>银卡 ≥{a}，金卡 ≥{b}，钻石 ≥{c}；其余为普通会员。</source>
        <translation>Silver ≥{a}, gold ≥{b}, diamond ≥{c}; everyone else is regular.</translation>
    </message>
</context>
<context>
    <name>ServiceForm</name>
    <message>
        <source>{state} · 实付 {total} · {signed}</source>
        <translation>{state} · paid {total} · {signed}</translation>
    </message>
    <message>
        <source>不能超过实付款</source>
        <translation>Cannot exceed the amount paid</translation>
    </message>
    <message>
        <source>丢弃草稿</source>
        <translation>Discard draft</translation>
    </message>
    <message>
        <source>买家没联系店铺，已自行送修</source>
        <translation>The buyer had it repaired without asking the shop</translation>
    </message>
    <message>
        <source>买家说了什么、问题在哪里（如：颜色和图片不一样，尺码偏大）</source>
        <translation>What the buyer said and what is wrong (e.g. colour differs from the photos, runs large)</translation>
    </message>
    <message>
        <source>例如：米白色 M 码</source>
        <translation>e.g. off-white, size M</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>吊牌完好，未洗涤、未穿着</source>
        <translation>Tags on, not washed or worn</translation>
    </message>
    <message>
        <source>售后商品</source>
        <translation>Items</translation>
    </message>
    <message>
        <source>售后类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>商品状态</source>
        <translation>Condition</translation>
    </message>
    <message>
        <source>客户：{nick}</source>
        <translation>Customer: {nick}</translation>
    </message>
    <message>
        <source>客户：由订单号确定</source>
        <translation>Customer: from the order number</translation>
    </message>
    <message>
        <source>已恢复未提交的草稿（{time} 保存）</source>
        <translation>Restored an unsubmitted draft (saved {time})</translation>
    </message>
    <message>
        <source>想换的颜色 / 尺码</source>
        <translation>Colour / size wanted</translation>
    </message>
    <message>
        <source>提交申请</source>
        <translation>Submit</translation>
    </message>
    <message>
        <source>新建{kind}申请</source>
        <translation>New {kind} request</translation>
    </message>
    <message>
        <source>未签收</source>
        <translation>not signed for</translation>
    </message>
    <message>
        <source>查到订单后在这里勾选商品</source>
        <translation>Tick the items here once the order is found</translation>
    </message>
    <message>
        <source>签收于 {time}</source>
        <translation>signed for {time}</translation>
    </message>
    <message>
        <source>自行维修</source>
        <translation>Repaired elsewhere</translation>
    </message>
    <message>
        <source>草稿已丢弃</source>
        <translation>Draft discarded</translation>
    </message>
    <message>
        <source>草稿已自动保存</source>
        <translation>Draft saved</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order no.</translation>
    </message>
    <message>
        <source>输入或粘贴订单号</source>
        <translation>Type or paste the order number</translation>
    </message>
    <message>
        <source>还有 {count} 处需要填写或修改。</source>
        <translation>{count} fields still need filling in or fixing.</translation>
    </message>
    <message>
        <source>退款类型</source>
        <translation>Refund type</translation>
    </message>
    <message>
        <source>退款金额</source>
        <translation>Refund amount</translation>
    </message>
    <message>
        <source>问题描述</source>
        <translation>Problem</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source> 份</source>
        <translation> copies</translation>
    </message>
    <message>
        <source> 位/分钟</source>
        <translation> per minute</translation>
    </message>
    <message>
        <source> 分钟</source>
        <translation> minutes</translation>
    </message>
    <message>
        <source>买家离开后会话仍保留，客服可继续留言；会话在这段时间无人发言后自动结束。</source>
        <translation>A chat stays open after the buyer leaves and the agent can still write; it ends by itself once nobody has written for this long.</translation>
    </message>
    <message>
        <source>保留最近</source>
        <translation>Keep the latest</translation>
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
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>备份</source>
        <translation>Backups</translation>
    </message>
    <message>
        <source>学号</source>
        <translation>Student no.</translation>
    </message>
    <message>
        <source>学生姓名</source>
        <translation>Student name</translation>
    </message>
    <message>
        <source>挂起</source>
        <translation>Away</translation>
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
        <source>无人发言自动结束会话</source>
        <translation>End quiet chats after</translation>
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
        <source>浅色</source>
        <translation>Light</translation>
    </message>
    <message>
        <source>班级</source>
        <translation>Class</translation>
    </message>
    <message>
        <source>界面主题</source>
        <translation>Theme</translation>
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
        <source>登录后状态</source>
        <translation>Status after login</translation>
    </message>
    <message>
        <source>系统钥匙串不可用，密码不会被保存。请在启动时用 --db 传入完整地址。</source>
        <translation>The system keychain is unavailable, so the password can&apos;t be saved. Pass the full URL with --db at start-up.</translation>
    </message>
    <message>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>高对比度</source>
        <translation>High contrast</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>功能</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>快捷键</source>
        <translation>Keyboard shortcuts</translation>
    </message>
    <message>
        <source>快捷键列表</source>
        <translation>List of keyboard shortcuts</translation>
    </message>
    <message>
        <source>快捷键在整个窗口内有效；输入框中的 Enter 与 / 只在输入时有效。</source>
        <translation>The shortcuts work anywhere in the window; Enter and / only while typing in the input box.</translation>
    </message>
    <message>
        <source>按键</source>
        <translation>Keys</translation>
    </message>
</context>
<context>
    <name>Signals</name>
    <message>
        <source>与 {count} 条差评内容相近</source>
        <translation>close to {count} other negative review(s)</translation>
    </message>
    <message>
        <source>信用等级 {credit}，平台交易很少</source>
        <translation>credit level {credit}, few trades on the platform</translation>
    </message>
    <message>
        <source>在聊天中暗示给钱删评</source>
        <translation>Hinted in the chat: pay and the review goes</translation>
    </message>
    <message>
        <source>多次给出差评</source>
        <translation>Many negative reviews</translation>
    </message>
    <message>
        <source>小额购买</source>
        <translation>Small purchase</translation>
    </message>
    <message>
        <source>差评 {count} 次</source>
        <translation>negative reviews: {count}</translation>
    </message>
    <message>
        <source>情绪化，缺乏具体问题描述</source>
        <translation>Emotional, nothing specific</translation>
    </message>
    <message>
        <source>情绪用词：{words}；没有说明具体问题</source>
        <translation>emotional words: {words}; no specific problem described</translation>
    </message>
    <message>
        <source>投诉内容夸大或虚假</source>
        <translation>Exaggerated or false claims</translation>
    </message>
    <message>
        <source>无历史购物记录</source>
        <translation>No purchase history</translation>
    </message>
    <message>
        <source>无理要求</source>
        <translation>Unreasonable demands</translation>
    </message>
    <message>
        <source>有多次差评记录</source>
        <translation>History of negative reviews</translation>
    </message>
    <message>
        <source>有多次投诉记录</source>
        <translation>History of complaints</translation>
    </message>
    <message>
        <source>未发现</source>
        <translation>not found</translation>
    </message>
    <message>
        <source>此前投诉 {count} 次</source>
        <translation>earlier complaints: {count}</translation>
    </message>
    <message>
        <source>此前有 {count} 次同类投诉</source>
        <translation>same kind as {count} earlier complaint(s)</translation>
    </message>
    <message>
        <source>注册 {days} 天</source>
        <translation>registered {days} days ago</translation>
    </message>
    <message>
        <source>用词：{words}</source>
        <translation>words: {words}</translation>
    </message>
    <message>
        <source>聊天原话：「{quote}」</source>
        <translation>in the chat: “{quote}”</translation>
    </message>
    <message>
        <source>要求 {demand}，超过实付 {paid}</source>
        <translation>asks {demand}, more than the {paid} paid</translation>
    </message>
    <message>
        <source>订单金额 ¥{amount}</source>
        <translation>order of ¥{amount}</translation>
    </message>
    <message>
        <source>评价内容与其他差评雷同</source>
        <translation>Wording like other negative reviews</translation>
    </message>
    <message>
        <source>说发货慢，实际付款后 {value} 小时内已发货</source>
        <translation>says shipping was slow; it shipped {value} hours after payment</translation>
    </message>
    <message>
        <source>说没收到货，物流显示 {value} 已签收</source>
        <translation>says it never arrived; logistics show it signed for at {value}</translation>
    </message>
    <message>
        <source>说法与订单记录不符</source>
        <translation>Claims the records contradict</translation>
    </message>
    <message>
        <source>账号注册时间短</source>
        <translation>New account</translation>
    </message>
    <message>
        <source>退款 {count} 次</source>
        <translation>refunds: {count}</translation>
    </message>
    <message>
        <source>退款记录多</source>
        <translation>Many refunds</translation>
    </message>
    <message>
        <source>频繁投诉同一问题</source>
        <translation>Same complaint again and again</translation>
    </message>
</context>
<context>
    <name>StartupNotices</name>
    <message>
        <source>true 或 false</source>
        <translation>true or false</translation>
    </message>
    <message>
        <source>{key} = {value}：不是有效的数字，已改用默认值 {default}。</source>
        <translation>{key} = {value}: not a valid number; the default {default} is used instead.</translation>
    </message>
    <message>
        <source>{key} = {value}：只能是 {expected} 之一，已改用默认值 {default}。</source>
        <translation>{key} = {value}: must be one of {expected}; the default {default} is used instead.</translation>
    </message>
    <message>
        <source>{key} = {value}：应为{kind}，已改用默认值 {default}。</source>
        <translation>{key} = {value}: must be {kind}; the default {default} is used instead.</translation>
    </message>
    <message>
        <source>{key} = {value}：无法使用，已改用默认值 {default}。</source>
        <translation>{key} = {value}: unusable; the default {default} is used instead.</translation>
    </message>
    <message>
        <source>{key} = {value}：超出允许范围 {expected}，已改用默认值 {default}。</source>
        <translation>{key} = {value}: outside the allowed range {expected}; the default {default} is used instead.</translation>
    </message>
    <message>
        <source>{key}：内容太长，已改用默认值 {default}。</source>
        <translation>{key}: too long; the default {default} is used instead.</translation>
    </message>
    <message>
        <source>原来的数据库文件改名保留为：{path}</source>
        <translation>The previous database file is kept as: {path}</translation>
    </message>
    <message>
        <source>在「设置」中点「确定」保存一次，即可写入有效的设置，下次不再提示。</source>
        <translation>Open Settings and click OK once to write valid settings; this message will not appear again.</translation>
    </message>
    <message>
        <source>已从备份恢复</source>
        <translation>Restored from backup</translation>
    </message>
    <message>
        <source>带引号的文字</source>
        <translation>text in quotes</translation>
    </message>
    <message>
        <source>提示</source>
        <translation>Notice</translation>
    </message>
    <message>
        <source>数字</source>
        <translation>a number</translation>
    </message>
    <message>
        <source>数据库已从备份 {backup} 恢复。</source>
        <translation>The database was restored from the backup {backup}.</translation>
    </message>
    <message>
        <source>整数</source>
        <translation>a whole number</translation>
    </message>
    <message>
        <source>文件内容不是 {{…}} 形式的设置，全部设置使用默认值。</source>
        <translation>The file does not hold settings in the form {{…}}; all settings use their defaults.</translation>
    </message>
    <message>
        <source>文件太大，不是工作台的设置文件，全部设置使用默认值。</source>
        <translation>The file is too large to be Workbench&apos;s settings file; all settings use their defaults.</translation>
    </message>
    <message>
        <source>文件无法读取（{detail}），全部设置使用默认值。</source>
        <translation>The file cannot be read ({detail}); all settings use their defaults.</translation>
    </message>
    <message>
        <source>智能辅助无法启动</source>
        <translation>Smart assist could not start</translation>
    </message>
    <message>
        <source>智能辅助无法启动，接待可以照常进行，但不会有推荐回复。
原因：{error}</source>
        <translation>Smart assist could not start. Reception works as usual, but without suggested replies.
Reason: {error}</translation>
    </message>
    <message>
        <source>模拟客户无法启动</source>
        <translation>Simulated customers could not start</translation>
    </message>
    <message>
        <source>模拟客户无法启动，工作台在没有模拟客户的情况下照常工作。
原因：{error}
详情见日志：{log}</source>
        <translation>Simulated customers could not start; the workbench works as usual without them.
Reason: {error}
Details in the log: {log}</translation>
    </message>
    <message>
        <source>没有从备份 {backup} 恢复，数据库保持原样。
原因：{reason}</source>
        <translation>The backup {backup} was not restored; the database is unchanged.
Reason: {reason}</translation>
    </message>
    <message>
        <source>没有从备份恢复</source>
        <translation>Backup not restored</translation>
    </message>
    <message>
        <source>设置文件中有无法使用的设置，已改用默认值：{path}</source>
        <translation>Some settings in the settings file could not be used and were replaced by their defaults: {path}</translation>
    </message>
    <message>
        <source>部分设置已恢复为默认值</source>
        <translation>Some settings were reset to their defaults</translation>
    </message>
</context>
<context>
    <name>StudentDialog</name>
    <message>
        <source>{name}（{number}）· {title}</source>
        <translation>{name} ({number}) · {title}</translation>
    </message>
    <message>
        <source>互测</source>
        <translation>Peer</translation>
    </message>
    <message>
        <source>会话</source>
        <translation>Chats</translation>
    </message>
    <message>
        <source>保存评分</source>
        <translation>Save marks</translation>
    </message>
    <message>
        <source>提交文件不含会话记录</source>
        <translation>A submission file holds no chats</translation>
    </message>
    <message>
        <source>提交文件中的成绩只读；在班级数据库中才能录入评分。</source>
        <translation>Scores from a submission file are read only; marks are entered on the class database.</translation>
    </message>
    <message>
        <source>教师</source>
        <translation>Teacher</translation>
    </message>
    <message>
        <source>检查结果</source>
        <translation>Check results</translation>
    </message>
    <message>
        <source>自测</source>
        <translation>Self-check</translation>
    </message>
    <message>
        <source>自测由程序检查；互测和教师检测在此录入，非技术考评（态度、纪律、协作、文明）填入「教师」列。</source>
        <translation>The program does the self-check; enter the peer and teacher checks here, and the non-technical marks (attitude, discipline, teamwork, civility) in the Teacher column.</translation>
    </message>
    <message>
        <source>评分已保存</source>
        <translation>Marks saved</translation>
    </message>
    <message>
        <source>评分录入</source>
        <translation>Marks</translation>
    </message>
    <message>
        <source>评分项</source>
        <translation>Rubric item</translation>
    </message>
    <message>
        <source>该学生还没有接待过买家</source>
        <translation>This student has not served any buyer yet</translation>
    </message>
    <message>
        <source>配置</source>
        <translation>Configuration</translation>
    </message>
</context>
<context>
    <name>SuggestionCard</name>
    <message>
        <source>点一下放进回复框</source>
        <translation>Click to put it in the reply box</translation>
    </message>
</context>
<context>
    <name>SuggestionModel</name>
    <message>
        <source>建议 {n}（Alt+{n} 直接发送），匹配度 {score:.0%}：{question}。回复：{answer}</source>
        <translation>Suggestion {n} (Alt+{n} sends it), match {score:.0%}: {question}. Reply: {answer}</translation>
    </message>
</context>
<context>
    <name>SupervisorPage</name>
    <message>
        <source> · {k} 位买家等待超过 {m} 分钟</source>
        <translation> · {k} buyers waiting over {m} min</translation>
    </message>
    <message>
        <source>{name}（{status} · {open}/{capacity}）</source>
        <translation>{name} ({status} · {open}/{capacity})</translation>
    </message>
    <message>
        <source>主管 · 全店实时会话</source>
        <translation>Supervisor · Live chats of the shop</translation>
    </message>
    <message>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>客服状态</source>
        <translation>Agents</translation>
    </message>
    <message>
        <source>把会话交给另一位客服</source>
        <translation>Give the chat to another agent</translation>
    </message>
    <message>
        <source>接管</source>
        <translation>Take over</translation>
    </message>
    <message>
        <source>改派…</source>
        <translation>Reassign…</translation>
    </message>
    <message>
        <source>改派给</source>
        <translation>Reassign to</translation>
    </message>
    <message>
        <source>查看记录</source>
        <translation>History</translation>
    </message>
    <message>
        <source>没有在线的客服</source>
        <translation>No agent is online</translation>
    </message>
    <message>
        <source>由你接待这个买家：会话转到你的「接待中」</source>
        <translation>Serve this buyer yourself: the chat moves to your Serving list</translation>
    </message>
    <message>
        <source>课堂 · 学生的会话</source>
        <translation>Classroom · Students&apos; chats</translation>
    </message>
    <message>
        <source>进行中 {n} · 待接待 {w} · 待分配 {u}</source>
        <translation>Live {n} · Waiting {w} · Unassigned {u}</translation>
    </message>
</context>
<context>
    <name>SupervisorView</name>
    <message>
        <source>{agent} 已离线，不能改派给他。</source>
        <translation>{agent} is offline; the chat cannot go to them.</translation>
    </message>
    <message>
        <source>{h}小时{m:02d}分</source>
        <translation>{h} h {m:02d} min</translation>
    </message>
    <message>
        <source>{m}分{s:02d}秒</source>
        <translation>{m} min {s:02d} s</translation>
    </message>
    <message>
        <source>{s}秒</source>
        <translation>{s} s</translation>
    </message>
    <message>
        <source>买家</source>
        <translation>Buyer</translation>
    </message>
    <message>
        <source>客服</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>店小蜜</source>
        <translation>Assistant</translation>
    </message>
    <message>
        <source>待分配</source>
        <translation>Unassigned</translation>
    </message>
    <message>
        <source>找不到该客服账号，可能已被删除。</source>
        <translation>This agent&apos;s account was not found; it may have been deleted.</translation>
    </message>
    <message>
        <source>接待量</source>
        <translation>Open / capacity</translation>
    </message>
    <message>
        <source>最后消息</source>
        <translation>Last message</translation>
    </message>
    <message>
        <source>最长等待</source>
        <translation>Longest wait</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>等待</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>角色</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>该会话刚刚被其他人接入或转交，未做更改。列表已刷新，请重新确认。</source>
        <translation>Someone accepted or transferred this chat just now; nothing was changed. The list is up to date: please check again.</translation>
    </message>
    <message>
        <source>该会话已由 {agent} 接待。</source>
        <translation>{agent} already serves this chat.</translation>
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
    <name>TagEdit</name>
    <message>
        <source>添加</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>添加标签</source>
        <translation>Add tag</translation>
    </message>
    <message>
        <source>该客户已有标签“{name}”。</source>
        <translation>This customer already has the tag “{name}”.</translation>
    </message>
    <message>
        <source>输入标签，回车添加</source>
        <translation>Type a tag and press Enter</translation>
    </message>
</context>
<context>
    <name>TagEditDialog</name>
    <message>
        <source>分组</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>新建标签</source>
        <translation>New tag</translation>
    </message>
    <message>
        <source>编辑标签</source>
        <translation>Edit tag</translation>
    </message>
    <message>
        <source>选择颜色</source>
        <translation>Choose a colour</translation>
    </message>
    <message>
        <source>颜色</source>
        <translation>Colour</translation>
    </message>
</context>
<context>
    <name>TagLibraryModel</name>
    <message>
        <source>分组</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>官方</source>
        <translation>Official</translation>
    </message>
    <message>
        <source>官方（只读）</source>
        <translation>Official (read-only)</translation>
    </message>
    <message>
        <source>客户数</source>
        <translation>Customers</translation>
    </message>
    <message>
        <source>未分组</source>
        <translation>Ungrouped</translation>
    </message>
    <message>
        <source>标签</source>
        <translation>Tags</translation>
    </message>
    <message>
        <source>由平台根据客户数据生成，不能改名、合并或删除</source>
        <translation>Set by the platform from customer data; cannot be renamed, merged or deleted</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>自定义</source>
        <translation>Custom</translation>
    </message>
</context>
<context>
    <name>TagLibraryPage</name>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>删除“{names}”？</source>
        <translation>Delete &quot;{names}&quot;?</translation>
    </message>
    <message>
        <source>删除标签</source>
        <translation>Delete tags</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>合并到…</source>
        <translation>Merge into…</translation>
    </message>
    <message>
        <source>官方标签（88VIP、信用等级）由平台生成，只读。自定义标签可改名、换颜色、归入分组；把重复的标签合并后，客户和已保存的分组条件都会转到保留的标签上。</source>
        <translation>Official tags (88VIP, credit levels) come from the platform and are read-only. Custom tags can be renamed, recoloured and grouped; merging duplicates moves their customers and saved group conditions to the tag you keep.</translation>
    </message>
    <message>
        <source>新建标签</source>
        <translation>New tag</translation>
    </message>
    <message>
        <source>查看客户</source>
        <translation>Show customer</translation>
    </message>
    <message>
        <source>标签库</source>
        <translation>Tag library</translation>
    </message>
    <message>
        <source>编辑</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>自定义 {n} 个，官方 {m} 个</source>
        <translation>{n} custom, {m} official</translation>
    </message>
    <message>
        <source>这会从 {n} 位客户身上移除它们，不能恢复。</source>
        <translation>This removes them from {n} customers and cannot be undone.</translation>
    </message>
</context>
<context>
    <name>TeacherConsole</name>
    <message>
        <source>Excel 表格 (*.xlsx)</source>
        <translation>Excel workbook (*.xlsx)</translation>
    </message>
    <message>
        <source>{exercise}_成绩.xlsx</source>
        <translation>{exercise}_grades.xlsx</translation>
    </message>
    <message>
        <source>为全班开始本实训：模拟买家从此进店</source>
        <translation>Start this lab for the class: simulated buyers come in from now on</translation>
    </message>
    <message>
        <source>停止</source>
        <translation>Stop</translation>
    </message>
    <message>
        <source>名次</source>
        <translation>Rank</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>学号</source>
        <translation>Student no.</translation>
    </message>
    <message>
        <source>学生导出提交文件时用它签名，导入提交文件时用它核对；没有服务器时请把它告诉全班</source>
        <translation>Students sign their submission files with it and imports are checked with it; without a server, tell it to the class</translation>
    </message>
    <message>
        <source>学生的提交文件用班级密钥签名（留空：不用班级密钥）：</source>
        <translation>Students&apos; submission files are signed with the class key (empty: no class key):</translation>
    </message>
    <message>
        <source>导出成绩</source>
        <translation>Export grades</translation>
    </message>
    <message>
        <source>导出成绩（XLSX）</source>
        <translation>Export grades (XLSX)</translation>
    </message>
    <message>
        <source>平均分</source>
        <translation>Average</translation>
    </message>
    <message>
        <source>开始</source>
        <translation>Start</translation>
    </message>
    <message>
        <source>总分</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>成绩已导出：{path}</source>
        <translation>Grades exported: {path}</translation>
    </message>
    <message>
        <source>打开提交文件夹…</source>
        <translation>Open submissions folder…</translation>
    </message>
    <message>
        <source>未通过人数</source>
        <translation>Missed by</translation>
    </message>
    <message>
        <source>未通过人数最多的评分项：{title}（{missed}/{of} 名学生未通过）</source>
        <translation>Most missed rubric item: {title} ({missed}/{of} students missed it)</translation>
    </message>
    <message>
        <source>未采用 {n} 个文件：{files}</source>
        <translation>{n} files refused: {files}</translation>
    </message>
    <message>
        <source>本实训未开始：模拟买家不会进店</source>
        <translation>This lab has not started: no simulated buyers come in</translation>
    </message>
    <message>
        <source>本实训进行中（{time} 开始）</source>
        <translation>This lab is in progress (started {time})</translation>
    </message>
    <message>
        <source>来源：提交文件夹 {folder}（{n} 份）</source>
        <translation>Source: submissions folder {folder} ({n} files)</translation>
    </message>
    <message>
        <source>来源：班级数据库（{n} 名学生）</source>
        <translation>Source: the class database ({n} students)</translation>
    </message>
    <message>
        <source>查看学生详情 / 录入评分</source>
        <translation>Student details / enter marks</translation>
    </message>
    <message>
        <source>正在检查全班的实训…</source>
        <translation>Checking the whole class…</translation>
    </message>
    <message>
        <source>每个评分项都已全部通过</source>
        <translation>Every rubric item was passed by everyone</translation>
    </message>
    <message>
        <source>满分</source>
        <translation>Max</translation>
    </message>
    <message>
        <source>班级</source>
        <translation>Class</translation>
    </message>
    <message>
        <source>班级密钥</source>
        <translation>Class key</translation>
    </message>
    <message>
        <source>班级密钥…</source>
        <translation>Class key…</translation>
    </message>
    <message>
        <source>班级密钥：已设置</source>
        <translation>Class key: set</translation>
    </message>
    <message>
        <source>班级密钥：未设置</source>
        <translation>Class key: not set</translation>
    </message>
    <message>
        <source>班级数据库</source>
        <translation>Class database</translation>
    </message>
    <message>
        <source>班级进度与排名</source>
        <translation>Progress and ranking</translation>
    </message>
    <message>
        <source>评分项</source>
        <translation>Rubric item</translation>
    </message>
    <message>
        <source>评分项统计</source>
        <translation>Item statistics</translation>
    </message>
    <message>
        <source>读取学生导出的提交文件（一个文件夹）</source>
        <translation>Read the submission files students exported (one folder)</translation>
    </message>
    <message>
        <source>读取登录本服务器的每位学生的实训</source>
        <translation>Read the work of every student who logs in to this server</translation>
    </message>
    <message>
        <source>课堂实训</source>
        <translation>Classroom labs</translation>
    </message>
    <message>
        <source>还没有学生的实训</source>
        <translation>No student work yet</translation>
    </message>
    <message>
        <source>选择提交文件所在的文件夹</source>
        <translation>Choose the folder holding the submission files</translation>
    </message>
</context>
<context>
    <name>TemplateEditor</name>
    <message>
        <source>插入变量</source>
        <translation>Insert variable</translation>
    </message>
    <message>
        <source>预览：{text}</source>
        <translation>Preview: {text}</translation>
    </message>
</context>
<context>
    <name>TransferDialog</name>
    <message>
        <source>{mark} {name}（{role}）· {status} · 接待中 {n}</source>
        <translation>{mark} {name} ({role}) · {status} · {n} open</translation>
    </message>
    <message>
        <source>{name} · {n} 人</source>
        <translation>{name} · {n} members</translation>
    </message>
    <message>
        <source>{n}/{limit} 字</source>
        <translation>{n}/{limit} characters</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>同事（{n}）</source>
        <translation>Colleagues ({n})</translation>
    </message>
    <message>
        <source>备注</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>把与 {nick} 的会话转交给：</source>
        <translation>Transfer the chat with {nick} to:</translation>
    </message>
    <message>
        <source>接待组（{n}）</source>
        <translation>Reception groups ({n})</translation>
    </message>
    <message>
        <source>暂无在线的同事；可以转交给接待组，由分流安排。</source>
        <translation>No colleague is online; transfer to a reception group and its routing will place the chat.</translation>
    </message>
    <message>
        <source>转交</source>
        <translation>Transfer</translation>
    </message>
    <message>
        <source>转交会话</source>
        <translation>Transfer chat</translation>
    </message>
    <message>
        <source>转交备注（对方可见，买家看不到），如：买家要改地址，已核实订单</source>
        <translation>Note for your colleague (the buyer does not see it), e.g. buyer wants to change the address, order checked</translation>
    </message>
</context>
<context>
    <name>TransferTab</name>
    <message>
        <source> 条</source>
        <translation> messages</translation>
    </message>
    <message>
        <source> 次</source>
        <translation> times</translation>
    </message>
    <message>
        <source>不会因关键词或情绪转人工：情绪 {score:.0%}（{words}），未达到当前灵敏度。</source>
        <translation>No transfer by keyword or emotion: emotion {score:.0%} ({words}), below the current sensitivity.</translation>
    </message>
    <message>
        <source>不会因关键词或情绪转人工；机器人会先按知识库回答。</source>
        <translation>No transfer by keyword or emotion; the bot answers from the knowledge base first.</translation>
    </message>
    <message>
        <source>不启用</source>
        <translation>Off</translation>
    </message>
    <message>
        <source>买家把同一个问题问了这么多次（说明答案没解决），转人工</source>
        <translation>The customer asked the same question this many times (the answer didn&apos;t help): transfer</translation>
    </message>
    <message>
        <source>会转人工：含关键词「{word}」。</source>
        <translation>Transfers: contains the keyword {word}.</translation>
    </message>
    <message>
        <source>会转人工：负面情绪 {score:.0%}（{words}），达到当前灵敏度。</source>
        <translation>Transfers: negative emotion {score:.0%} ({words}) reaches the current sensitivity.</translation>
    </message>
    <message>
        <source>例如：你们这什么破服务，气死我了</source>
        <translation>e.g. What awful service, I&apos;m furious</translation>
    </message>
    <message>
        <source>保存转人工设置</source>
        <translation>Save transfer rules</translation>
    </message>
    <message>
        <source>已保存，对之后的买家消息生效。</source>
        <translation>Saved; applies to the next customer messages.</translation>
    </message>
    <message>
        <source>无客服在线</source>
        <translation>No agent online</translation>
    </message>
    <message>
        <source>机器人无法回答、买家要求人工或情绪激动时，转给人工客服；会话进入客服的「待接待」，并注明转接原因。</source>
        <translation>When the bot can&apos;t answer, the customer asks for a person or gets upset, the chat goes to an agent&apos;s Waiting list with the reason.</translation>
    </message>
    <message>
        <source>机器人连续这么多条答不上来就转人工（0 表示不启用）</source>
        <translation>Transfer after this many unanswered messages in a row (0: off)</translation>
    </message>
    <message>
        <source>检测到负面情绪时转人工</source>
        <translation>Transfer on negative emotion</translation>
    </message>
    <message>
        <source>没有客服在线时，会话仍进入「待接待」作为留言，客服上线后可以看到。</source>
        <translation>With no agent online the chat still goes to Waiting as a message left, seen when an agent comes online.</translation>
    </message>
    <message>
        <source>灵敏度：中</source>
        <translation>Sensitivity: medium</translation>
    </message>
    <message>
        <source>灵敏度：低</source>
        <translation>Sensitivity: low</translation>
    </message>
    <message>
        <source>灵敏度：高</source>
        <translation>Sensitivity: high</translation>
    </message>
    <message>
        <source>用逗号或空格分隔，例如：人工 投诉 差评</source>
        <translation>Separated by commas or spaces</translation>
    </message>
    <message>
        <source>知识库中标记为「需要人工」的问题（如修改尺码）直接转人工</source>
        <translation>Questions marked as needing a human in the knowledge base (e.g. changing a size) go straight to an agent</translation>
    </message>
    <message>
        <source>试一试</source>
        <translation>Try it</translation>
    </message>
    <message>
        <source>请先改正标红的内容。</source>
        <translation>Please correct the fields marked in red.</translation>
    </message>
    <message>
        <source>负面情绪</source>
        <translation>Negative emotion</translation>
    </message>
    <message>
        <source>转人工关键词</source>
        <translation>Transfer keywords</translation>
    </message>
    <message>
        <source>转人工规则</source>
        <translation>Transfer rules</translation>
    </message>
    <message>
        <source>转接成功</source>
        <translation>Transferring</translation>
    </message>
    <message>
        <source>转接提示语</source>
        <translation>Transfer prompts</translation>
    </message>
    <message>
        <source>输入一句买家的话，看看关键词和情绪规则会不会转人工（按当前表单，未保存也可试）。</source>
        <translation>Type something a customer might say to see whether the keyword and emotion rules transfer it (uses the form as it is, saved or not).</translation>
    </message>
    <message>
        <source>连续未识别</source>
        <translation>Unmatched in a row</translation>
    </message>
    <message>
        <source>重复提问</source>
        <translation>Repeated question</translation>
    </message>
    <message>
        <source>需人工问题</source>
        <translation>Needs a human</translation>
    </message>
</context>
<context>
    <name>WelcomePreview</name>
    <message>
        <source>{name}（智能客服）</source>
        <translation>{name} (smart assistant)</translation>
    </message>
    <message>
        <source>官方客服 · {name}</source>
        <translation>Customer service · {name}</translation>
    </message>
    <message>
        <source>智能预测</source>
        <translation>Predicted</translation>
    </message>
    <message>
        <source>点击发送：{text}</source>
        <translation>Click to send: {text}</translation>
    </message>
    <message>
        <source>猜你想问</source>
        <translation>You may want to ask</translation>
    </message>
    <message>
        <source>请输入消息…</source>
        <translation>Type a message…</translation>
    </message>
</context>
<context>
    <name>WelcomeTab</name>
    <message>
        <source>+ 新增卡片问题</source>
        <translation>+ Add card questions</translation>
    </message>
    <message>
        <source>上移</source>
        <translation>Up</translation>
    </message>
    <message>
        <source>下移</source>
        <translation>Down</translation>
    </message>
    <message>
        <source>买家看到的效果</source>
        <translation>What the customer sees</translation>
    </message>
    <message>
        <source>例如夜间人工下班后，用另一段欢迎语告诉客户。时间按 时:分 填写，结束早于开始表示跨过午夜。</source>
        <translation>For example, tell customers at night that agents are off. Times as hours:minutes; an end before the start runs past midnight.</translation>
    </message>
    <message>
        <source>例如：小蜜</source>
        <translation>e.g. Mimi</translation>
    </message>
    <message>
        <source>保存欢迎语设置</source>
        <translation>Save welcome</translation>
    </message>
    <message>
        <source>全部由人工配置</source>
        <translation>All set by hand</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>客户进入聊天窗口时，机器人自动发送欢迎语和卡片。</source>
        <translation>When a customer opens the chat, the bot sends the welcome text and card.</translation>
    </message>
    <message>
        <source>已保存，新进店的客户将看到新的欢迎语。</source>
        <translation>Saved; new customers will see the new welcome.</translation>
    </message>
    <message>
        <source>开始</source>
        <translation>Start</translation>
    </message>
    <message>
        <source>快捷按钮</source>
        <translation>Quick buttons</translation>
    </message>
    <message>
        <source>或输入一个自定义问题，回车添加</source>
        <translation>or type a question of your own and press Enter</translation>
    </message>
    <message>
        <source>按钮名称</source>
        <translation>Button</translation>
    </message>
    <message>
        <source>插入机器人昵称</source>
        <translation>Insert the bot&apos;s nickname</translation>
    </message>
    <message>
        <source>显示在卡片下方，客户点一下就发出对应的话；「转人工」建议放在最后。</source>
        <translation>Shown under the card; one click sends the text. Put the transfer-to-human button last.</translation>
    </message>
    <message>
        <source>智能预测+人工配置</source>
        <translation>Predicted + set by hand</translation>
    </message>
    <message>
        <source>智能预测：在您添加的问题之后，按热度自动补充 {n} 个本店买家最常问的问题。最多 {max} 个问题。</source>
        <translation>Predicted: after your own questions, the {n} questions this shop&apos;s customers ask most are added automatically. At most {max} questions.</translation>
    </message>
    <message>
        <source>机器人昵称</source>
        <translation>Bot nickname</translation>
    </message>
    <message>
        <source>机器人昵称与欢迎语</source>
        <translation>Nickname and welcome text</translation>
    </message>
    <message>
        <source>欢迎语</source>
        <translation>Welcome text</translation>
    </message>
    <message>
        <source>欢迎语卡片问题</source>
        <translation>Welcome card questions</translation>
    </message>
    <message>
        <source>添加按钮</source>
        <translation>Add button</translation>
    </message>
    <message>
        <source>添加时间段</source>
        <translation>Add period</translation>
    </message>
    <message>
        <source>点击后发送</source>
        <translation>Sends</translation>
    </message>
    <message>
        <source>结束</source>
        <translation>End</translation>
    </message>
    <message>
        <source>自定义时间段</source>
        <translation>Custom periods</translation>
    </message>
    <message>
        <source>请先改正标红的内容。</source>
        <translation>Please correct the fields marked in red.</translation>
    </message>
    <message>
        <source>选中一个问题，可修改它在卡片里的答案（留空则用知识库的答案）</source>
        <translation>Select a question to change its answer on the card (empty: the knowledge base&apos;s answer)</translation>
    </message>
    <message>
        <source>问题</source>
        <translation>Question</translation>
    </message>
    <message>
        <source>预览随编辑即时更新；保存后对新进店的客户生效。</source>
        <translation>The preview follows your edits; saved settings apply to new customers.</translation>
    </message>
    <message>
        <source>默认时间段（不在下列时段内时）使用这段欢迎语。</source>
        <translation>Used outside the custom periods below.</translation>
    </message>
    <message>
        <source>默认欢迎语</source>
        <translation>Default welcome</translation>
    </message>
</context>
<context>
    <name>bootstrap</name>
    <message>
        <source>另一个工作台正在使用数据目录 {path}，冒烟测试没有运行。</source>
        <translation>Another Workbench is using the data folder {path}; the smoke test was not run.</translation>
    </message>
    <message>
        <source>另一个工作台（进程 {pid}）正在使用数据目录 {path}，但没有响应。请切换到它的窗口，或结束它后再启动。</source>
        <translation>Another Workbench (process {pid}) is using the data folder {path} but does not answer. Switch to its window, or end it and start again.</translation>
    </message>
    <message>
        <source>工作台已经在使用数据目录 {path}，已切换到它的窗口。</source>
        <translation>Workbench is already running on the data folder {path}; switched to its window.</translation>
    </message>
    <message>
        <source>无法启动工作台</source>
        <translation>Couldn&apos;t start Workbench</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>{agent}已离线，不能转交给TA。</source>
        <translation>{agent} is offline; the chat cannot be transferred to them.</translation>
    </message>
    <message>
        <source>{agent}已经接入了这位买家，你的接入没有生效。</source>
        <translation>{agent} has already taken this buyer; your accept had no effect.</translation>
    </message>
    <message>
        <source>{agent}是模拟同事，不能接收转交。</source>
        <translation>{agent} is a simulated colleague and cannot receive transfers.</translation>
    </message>
    <message>
        <source>不能发送空白消息。</source>
        <translation>You can&apos;t send an empty message.</translation>
    </message>
    <message>
        <source>会话已经在{agent}那里了。</source>
        <translation>The chat is already with {agent}.</translation>
    </message>
    <message>
        <source>你没有权限查看或处理这个会话：只能处理自己的会话和无人接入的待接待会话。</source>
        <translation>You may not view or handle this chat: only your own chats and waiting chats nobody has taken.</translation>
    </message>
    <message>
        <source>你的账号没有权限{what}。如需修改，请联系主账号、主管或教师。</source>
        <translation>Your account may not {what}. Ask the shop&apos;s owner, a supervisor or a teacher.</translation>
    </message>
    <message>
        <source>修改店小蜜设置</source>
        <translation>change the assistant&apos;s settings</translation>
    </message>
    <message>
        <source>修改知识库</source>
        <translation>change the knowledge base</translation>
    </message>
    <message>
        <source>分组名太长：{length} 字，最多 {limit} 字。</source>
        <translation>Group name too long: {length} characters, at most {limit}.</translation>
    </message>
    <message>
        <source>卖家备注太长：{length} 字，最多 {limit} 字。</source>
        <translation>The seller memo is too long: {length} characters, at most {limit}.</translation>
    </message>
    <message>
        <source>发生错误：{error}</source>
        <translation>Something went wrong: {error}</translation>
    </message>
    <message>
        <source>备份出错：{code}</source>
        <translation>Backup error: {code}</translation>
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
        <source>密码不能与账号名相同。</source>
        <translation>The password must not be the username.</translation>
    </message>
    <message>
        <source>密码太简单：请至少用 3 个不同的字符。</source>
        <translation>The password is too simple: use at least 3 different characters.</translation>
    </message>
    <message>
        <source>密码最多 {limit} 个字符。</source>
        <translation>The password may have at most {limit} characters.</translation>
    </message>
    <message>
        <source>密码的开头和结尾不能是空格，也不能包含控制字符。</source>
        <translation>The password must not begin or end with a space or contain control characters.</translation>
    </message>
    <message>
        <source>密码至少 {limit} 个字符。</source>
        <translation>The password needs at least {limit} characters.</translation>
    </message>
    <message>
        <source>已经邀请过这位买家评价了，每个会话只邀请一次。</source>
        <translation>This buyer has already been invited to rate; one invitation per chat.</translation>
    </message>
    <message>
        <source>店铺至少要保留一个主账号。</source>
        <translation>The shop must keep at least one owner account.</translation>
    </message>
    <message>
        <source>快捷编码 /{shortcode} 已被另一条短语使用。</source>
        <translation>Shortcode /{shortcode} is already used by another phrase.</translation>
    </message>
    <message>
        <source>快捷编码只能用英文字母和数字。</source>
        <translation>A shortcode may contain only letters and digits.</translation>
    </message>
    <message>
        <source>快捷编码太长：{length} 个字符，最多 {limit} 个。</source>
        <translation>Shortcode too long: {length} characters, at most {limit}.</translation>
    </message>
    <message>
        <source>找不到要转交的同事，可能已被删除。</source>
        <translation>The colleague was not found; the account may have been deleted.</translation>
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
        <source>找不到该短语，可能已被删除。</source>
        <translation>Phrase not found; it may have been deleted.</translation>
    </message>
    <message>
        <source>找不到该订单，可能已被删除。</source>
        <translation>Order not found; it may have been deleted.</translation>
    </message>
    <message>
        <source>找不到这个备份：{detail}</source>
        <translation>Backup not found: {detail}</translation>
    </message>
    <message>
        <source>找不到这个接待组，可能已被删除。</source>
        <translation>The reception group was not found; it may have been deleted.</translation>
    </message>
    <message>
        <source>找不到这个账号，可能已被删除。</source>
        <translation>This account was not found; it may have been deleted.</translation>
    </message>
    <message>
        <source>操作未完成：{code}</source>
        <translation>The action couldn&apos;t be completed: {code}</translation>
    </message>
    <message>
        <source>收货地址不能为空。</source>
        <translation>The shipping address cannot be empty.</translation>
    </message>
    <message>
        <source>收货地址太长：{length} 字，最多 {limit} 字。</source>
        <translation>The shipping address is too long: {length} characters, at most {limit}.</translation>
    </message>
    <message>
        <source>数据库升级失败，数据未被修改：{detail}</source>
        <translation>Database upgrade failed; no data was changed: {detail}</translation>
    </message>
    <message>
        <source>数据库变为只读：新消息和修改无法保存。模拟客户已暂停，恢复写入权限后自动继续。</source>
        <translation>The database has become read-only: new messages and changes cannot be saved. Simulated customers are paused and carry on once writing is allowed again.</translation>
    </message>
    <message>
        <source>数据库在服务器上（PostgreSQL），备份由服务器负责（例如用 pg_dump 定期备份），不在工作台中进行。</source>
        <translation>The database is on a server (PostgreSQL): backups are the server&apos;s job (for example regular pg_dump runs), not the workbench&apos;s.</translation>
    </message>
    <message>
        <source>数据库地址无效：{detail}</source>
        <translation>Invalid database URL: {detail}</translation>
    </message>
    <message>
        <source>数据库文件已损坏，无法读取。</source>
        <translation>The database file is damaged and cannot be read.</translation>
    </message>
    <message>
        <source>数据库文件已损坏，无法读取：{path}</source>
        <translation>The database file is damaged and cannot be read: {path}</translation>
    </message>
    <message>
        <source>数据库文件已损坏，这次备份没有保存（以免替换掉完好的旧备份）。请从最新的备份恢复。（{detail}）</source>
        <translation>The database file is damaged, so this backup was not kept (it must not replace the good older ones). Restore the newest backup. ({detail})</translation>
    </message>
    <message>
        <source>数据库无法写入：新消息和修改无法保存。模拟客户已暂停。</source>
        <translation>The database cannot be written: new messages and changes cannot be saved. Simulated customers are paused.</translation>
    </message>
    <message>
        <source>数据库是只读的，没有保存。</source>
        <translation>The database is read-only; nothing was saved.</translation>
    </message>
    <message>
        <source>数据库连接中断，没有保存。连接恢复后请重试。</source>
        <translation>The database connection is lost; nothing was saved. Try again once it is back.</translation>
    </message>
    <message>
        <source>数据库连接中断：新消息和修改无法保存。模拟客户已暂停，连接恢复后自动继续。</source>
        <translation>Database connection lost: new messages and changes cannot be saved. Simulated customers are paused and carry on once the connection is back.</translation>
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
        <source>文字中有无法保存的无效字符（常见于损坏的复制粘贴），请删除后重新输入。</source>
        <translation>The text contains invalid characters that cannot be saved (often from a broken copy and paste). Please delete them and type it again.</translation>
    </message>
    <message>
        <source>旗帜颜色无效：{flag}。</source>
        <translation>Invalid flag colour: {flag}.</translation>
    </message>
    <message>
        <source>无法备份数据库：{detail}。请检查磁盘空间和 backups 文件夹的写入权限。</source>
        <translation>Cannot back up the database: {detail}. Check the free disk space and that the backups folder is writable.</translation>
    </message>
    <message>
        <source>无法打开数据库：{detail}</source>
        <translation>Couldn&apos;t open the database: {detail}</translation>
    </message>
    <message>
        <source>未登录客服账号，不能保存个人短语。</source>
        <translation>No agent is signed in, so a personal phrase cannot be saved.</translation>
    </message>
    <message>
        <source>查看全店会话或接管、改派会话</source>
        <translation>see every chat of the shop or take over or reassign chats</translation>
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
        <source>班级密钥最多 {limit} 个字符。</source>
        <translation>The class key has at most {limit} characters.</translation>
    </message>
    <message>
        <source>短语内容不能为空。</source>
        <translation>The phrase text cannot be empty.</translation>
    </message>
    <message>
        <source>短语内容太长：{length} 字，最多 {limit} 字。</source>
        <translation>Phrase text too long: {length} characters, at most {limit}.</translation>
    </message>
    <message>
        <source>磁盘已满，没有保存。请腾出磁盘空间后重试。</source>
        <translation>The disk is full; nothing was saved. Free some disk space and try again.</translation>
    </message>
    <message>
        <source>磁盘已满：新消息和修改无法保存。模拟客户已暂停，腾出磁盘空间后自动继续。</source>
        <translation>Disk full: new messages and changes cannot be saved. Simulated customers are paused and carry on once disk space is freed.</translation>
    </message>
    <message>
        <source>磁盘读写出错，没有保存。</source>
        <translation>The disk reports read/write errors; nothing was saved.</translation>
    </message>
    <message>
        <source>磁盘读写出错：新消息和修改无法保存。模拟客户已暂停。</source>
        <translation>Disk read/write error: new messages and changes cannot be saved. Simulated customers are paused.</translation>
    </message>
    <message>
        <source>管理这个账号</source>
        <translation>manage this account</translation>
    </message>
    <message>
        <source>订单已是「{state}」，发货后不能再修改收货地址。</source>
        <translation>The order is already “{state}”; the shipping address cannot be changed after shipping.</translation>
    </message>
    <message>
        <source>该会话已结束，不能再发送消息。</source>
        <translation>This conversation has ended; no more messages can be sent.</translation>
    </message>
    <message>
        <source>请从备份恢复：点「从备份恢复…」（在这条提示中，或在「设置」中），选择最新的备份，然后重新启动工作台。损坏的文件会改名保留在原处，不会被删除。
如果还没有备份，请关闭工作台，把这个文件移到别处保存，下次启动时会新建一个数据库。</source>
        <translation>Restore it from a backup: click &quot;Restore from backup…&quot; (in this message, or in Settings), choose the newest backup, then restart the workbench. The damaged file is kept beside it under a new name, not deleted.
If there is no backup yet, close the workbench and move this file elsewhere for safekeeping; the next start creates a new database.</translation>
    </message>
    <message>
        <source>请先登录。</source>
        <translation>Please log in first.</translation>
    </message>
    <message>
        <source>账号或密码不正确。</source>
        <translation>Wrong username or password.</translation>
    </message>
    <message>
        <source>转交备注最多 {limit} 字（现在 {length} 字）。</source>
        <translation>A transfer note can be at most {limit} characters (it has {length}).</translation>
    </message>
    <message>
        <source>还没有数据库文件，无需备份。</source>
        <translation>There is no database file yet; nothing to back up.</translation>
    </message>
    <message>
        <source>这个会话刚被其他客服接入或转交，没有做任何更改。列表已刷新，请看清后再试。</source>
        <translation>Another agent has just taken or transferred this chat; nothing was changed. The list is refreshed; check it and try again.</translation>
    </message>
    <message>
        <source>这个备份已损坏，不能用于恢复，请选择另一个备份。（{detail}）</source>
        <translation>This backup is damaged and cannot be restored; choose another backup. ({detail})</translation>
    </message>
    <message>
        <source>这个备份来自更新版本的工作台（版本 {rev}），当前程序无法使用。请升级工作台后再恢复。</source>
        <translation>This backup comes from a newer version of Workbench (revision {rev}) that this version cannot use. Upgrade Workbench, then restore it.</translation>
    </message>
    <message>
        <source>这个数据库由更新版本的工作台创建（版本 {rev}），当前程序无法识别。为避免损坏数据，程序不会修改它。请升级工作台后再打开。</source>
        <translation>This database was created by a newer version of Workbench (revision {rev}) that this version can&apos;t read. To protect your data, it will not be changed. Please upgrade Workbench and open it again.</translation>
    </message>
    <message>
        <source>这个文件不是工作台的数据库备份。</source>
        <translation>This file is not a backup of a Workbench database.</translation>
    </message>
    <message>
        <source>这位买家已被其他客服接入，你的接入没有生效。</source>
        <translation>Another agent has already taken this buyer; your accept had no effect.</translation>
    </message>
    <message>
        <source>连续输错多次，请 {delay} 秒后再试。</source>
        <translation> Too many failed attempts: try again in {delay} seconds.</translation>
    </message>
    <message>
        <source>连续输错多次，请 {seconds} 秒后再试。</source>
        <translation>Too many failed attempts: try again in {seconds} seconds.</translation>
    </message>
</context>
</TS>
